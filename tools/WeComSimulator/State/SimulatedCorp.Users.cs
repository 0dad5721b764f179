namespace Siyu.WeComSimulator.State;

// Address-book changes made in the admin console (simulation; they produce change_contact callbacks).
public sealed partial class SimulatedCorp
{
    /// <summary>What a change_contact callback reports about a staff member; null fields did not change.</summary>
    internal sealed record UserChange(
        string UserId, string? Name = null, IReadOnlyList<long>? Departments = null, IReadOnlyList<int>? IsLeaderInDept = null,
        string? Position = null, string? Mobile = null, string? Gender = null, string? Email = null, int? Status = null, string? Alias = null);

    internal UserChange CreateUser(string userId, string name, IReadOnlyList<long>? departments, string? position, string? mobile, string? gender, string? email)
    {
        lock (_lock)
        {
            if (AnyUser(userId) is not null)
            {
                throw new InvalidOperationException("userid " + userId + " exists.");
            }

            var depts = departments is { Count: > 0 } ? departments.ToList() : [1L];
            CheckDepartments(depts);
            var user = new SimUser
            {
                UserId = userId,
                Name = name,
                Departments = depts,
                Position = position ?? string.Empty,
                Mobile = mobile ?? string.Empty,
                Gender = gender ?? "0",
                Email = email ?? string.Empty,
                Alias = name,
            };
            _users.Add(user);
            return new UserChange(user.UserId, user.Name, user.Departments, [.. user.Departments.Select(_ => 0)], user.Position,
                user.Mobile, user.Gender, user.Email, user.Status, user.Alias);
        }
    }

    internal UserChange UpdateUser(string userId, string? name, IReadOnlyList<long>? departments, string? position, string? mobile, string? email)
    {
        lock (_lock)
        {
            var user = ActiveUser(userId) ?? throw new KeyNotFoundException("Unknown userid " + userId + ".");
            if (departments is { Count: > 0 })
            {
                CheckDepartments(departments);
                user.Departments = [.. departments];
            }

            user.Name = name ?? user.Name;
            user.Position = position ?? user.Position;
            user.Mobile = mobile ?? user.Mobile;
            user.Email = email ?? user.Email;
            return new UserChange(userId, name, departments is { Count: > 0 } ? user.Departments : null, null, position, mobile, null, email);
        }
    }

    private void CheckDepartments(IEnumerable<long> departments)
    {
        foreach (var id in departments)
        {
            if (_departments.All(d => d.Id != id))
            {
                throw new KeyNotFoundException("No department " + id + ".");
            }
        }
    }
}
