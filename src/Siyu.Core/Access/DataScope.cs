namespace Siyu.Core.Access;

public enum DataScopeKind
{
    /// <summary>Every customer of the tenant.</summary>
    All,
    /// <summary>Customers of the staff members in a department and its sub-departments.</summary>
    Department,
    /// <summary>The user's own WeCom customers (those who added the linked staff member).</summary>
    Own,
}

/// <summary>
/// Which customers a console user may see: all, or those related to a set of WeCom staff user ids. A customer is in
/// scope when any of the staff members they have added is in the set (a customer shared by two staff is visible to both).
/// </summary>
public sealed record DataScope(DataScopeKind Kind, IReadOnlySet<string>? StaffUserIds)
{
    public static DataScope Everything { get; } = new(DataScopeKind.All, null);

    public bool IsAll => Kind == DataScopeKind.All;

    public bool Allows(IEnumerable<string> customerStaff)
    {
        if (StaffUserIds is null)
        {
            return true;
        }
        foreach (var staff in customerStaff)
        {
            if (StaffUserIds.Contains(staff))
            {
                return true;
            }
        }
        return false;
    }

    public static string Name(DataScopeKind kind) => kind switch
    {
        DataScopeKind.Department => "department",
        DataScopeKind.Own => "own",
        _ => "all",
    };

    public static bool TryParse(string? value, out DataScopeKind kind)
    {
        switch (value)
        {
            case "all": kind = DataScopeKind.All; return true;
            case "department": kind = DataScopeKind.Department; return true;
            case "own": kind = DataScopeKind.Own; return true;
            default: kind = DataScopeKind.All; return false;
        }
    }

    /// <summary>
    /// The staff user ids of a department and all its descendants. <paramref name="parents"/> maps department id →
    /// parent id; <paramref name="staffDepartments"/> maps user id → its department ids. Cycles in bad data are tolerated.
    /// </summary>
    public static HashSet<string> StaffOfDepartment(long department, IReadOnlyDictionary<long, long?> parents, IReadOnlyDictionary<string, IReadOnlyList<long>> staffDepartments)
    {
        var inTree = new HashSet<long> { department };
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var (id, parent) in parents)
            {
                if (parent is { } p && inTree.Contains(p) && inTree.Add(id))
                {
                    changed = true;
                }
            }
        }
        return [.. staffDepartments.Where(s => s.Value.Any(inTree.Contains)).Select(s => s.Key)];
    }
}
