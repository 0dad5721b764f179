namespace Siyu.Core.Groups;

/// <summary>A customer group in a group code's pool with its current member count (staff included, as WeCom counts).</summary>
public sealed record PooledGroup(string ChatId, int Members, bool Dismissed = false);

/// <summary>What the join way should list, and where the next scan lands.</summary>
/// <param name="Listed">The chat ids for the join way's chat_id_list, in order (at most <see cref="GroupRotation.MaxListed"/>).</param>
/// <param name="Next">The group the next member joins, or null when every listed group is full.</param>
/// <param name="NeedsNewGroup">Every pooled group is full: WeCom's auto_create_room creates the next one, or staff must add one.</param>
public sealed record RotationPlan(IReadOnlyList<string> Listed, string? Next, bool NeedsNewGroup);

/// <summary>
/// Group code rotation (群活码): WeCom lists at most 5 groups on a join way and sends a scanner to the first listed group
/// that has room; a group holds at most 200 members. The pool may hold more groups than 5 (standby groups the operator
/// prepared): the join way always lists the first up to 5 pooled groups that still have room, in pool order, so full
/// groups drop out and standby groups move in. When every group is full the last one stays listed (WeCom requires a
/// non-empty list) and, with auto_create_room, WeCom opens a new room on the next scan.
/// </summary>
public static class GroupRotation
{
    public const int MaxMembers = 200;
    public const int MaxListed = 5;

    public static RotationPlan Plan(IReadOnlyList<PooledGroup> pool, int capacity = MaxMembers)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var open = pool.Where(g => !g.Dismissed && g.Members < capacity).Take(MaxListed).Select(g => g.ChatId).ToList();
        if (open.Count > 0)
        {
            return new RotationPlan(open, open[0], false);
        }
        var last = pool.LastOrDefault(g => !g.Dismissed);
        return new RotationPlan(last is null ? [] : [last.ChatId], null, true);
    }

    /// <summary>Fill level as a fraction of the cap, 0..1.</summary>
    public static double Fill(int members, int capacity = MaxMembers) => capacity <= 0 ? 1 : Math.Clamp(members / (double)capacity, 0, 1);

    /// <summary>The name WeCom gives an auto-created room: room_base_name followed by room_base_id.</summary>
    public static string AutoRoomName(string baseName, int baseId) => baseName + baseId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
