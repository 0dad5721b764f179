using Siyu.Core.Access;
using Xunit;

namespace Siyu.Core.Tests.Access;

public sealed class AccessTests
{
    // 总部(1) ─ 华东(2) ─ 上海(3) ─ 浦东(5)
    //        └ 华南(4)
    // and a bad cycle 7 ⇄ 8 that must not hang.
    private static readonly Dictionary<long, long?> Parents = new()
    {
        [1] = null, [2] = 1, [3] = 2, [4] = 1, [5] = 3, [7] = 8, [8] = 7,
    };

    private static readonly Dictionary<string, IReadOnlyList<long>> StaffDepartments = new()
    {
        ["zhang"] = [3], ["wang"] = [2], ["li"] = [4], ["zhao"] = [5], ["qian"] = [4, 5], ["sun"] = [7], ["nobody"] = [],
    };

    [Theory]
    [InlineData(1, "li qian wang zhang zhao")]
    [InlineData(2, "qian wang zhang zhao")]
    [InlineData(3, "qian zhang zhao")]
    [InlineData(4, "li qian")]
    [InlineData(5, "qian zhao")]
    [InlineData(7, "sun")]
    [InlineData(42, "")]
    public void A_department_holds_its_staff_and_those_of_every_sub_department(long department, string expected)
    {
        var staff = DataScope.StaffOfDepartment(department, Parents, StaffDepartments);
        Assert.Equal(expected, string.Join(' ', staff.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void A_customer_is_in_scope_when_any_of_their_staff_is()
    {
        var own = new DataScope(DataScopeKind.Own, new HashSet<string> { "zhang" });
        Assert.True(own.Allows(["li", "zhang"]));
        Assert.False(own.Allows(["li"]));
        Assert.False(own.Allows([]));
        Assert.True(DataScope.Everything.Allows([]));
        Assert.False(new DataScope(DataScopeKind.Own, new HashSet<string>()).Allows(["zhang"]));
    }

    [Fact]
    public void Admins_hold_every_permission_and_every_other_role_fewer()
    {
        var all = Enum.GetValues<Permission>();
        Assert.All(all, p => Assert.True(RolePermissions.Grants(RoleNames.Admin, p), p.ToString()));
        foreach (var role in RoleNames.Console.Where(r => r != RoleNames.Admin))
        {
            Assert.True(RolePermissions.Of(role).Count < all.Length, role);
        }
        Assert.False(RolePermissions.Grants("boss", Permission.SignedIn));
    }

    [Theory]
    [InlineData(RoleNames.Operator, Permission.CustomersReveal)]
    [InlineData(RoleNames.Operator, Permission.AuditRead)]
    [InlineData(RoleNames.Operator, Permission.UsersManage)]
    [InlineData(RoleNames.Staff, Permission.AnalyticsRead)]
    [InlineData(RoleNames.Staff, Permission.AudiencesRead)]
    [InlineData(RoleNames.Staff, Permission.TagsWrite)]
    [InlineData(RoleNames.Auditor, Permission.CustomersWrite)]
    [InlineData(RoleNames.ReadOnly, Permission.AuditRead)]
    [InlineData(RoleNames.ReadOnly, Permission.CustomersWrite)]
    [InlineData(RoleNames.ApiKey, Permission.CustomersWrite)]
    [InlineData(RoleNames.ApiKey, Permission.AuditRead)]
    public void Roles_are_refused_what_the_role_description_excludes(string role, Permission permission) =>
        Assert.False(RolePermissions.Grants(role, permission));

    [Fact]
    public void Read_only_roles_hold_only_reads_and_scope_aware_permissions_are_few()
    {
        Assert.All(RolePermissions.Of(RoleNames.ReadOnly), p => Assert.True(RolePermissions.IsRead(p), p.ToString()));
        Assert.All(RolePermissions.Of(RoleNames.ApiKey).Where(p => p is not (Permission.EventsWrite or Permission.ArchiveIngest or Permission.CouponsRedeem or Permission.CampaignsParticipate)), p => Assert.True(RolePermissions.IsRead(p), p.ToString()));
        // Staff's whole grant must be scope-aware, or a narrowed staff user would be refused their own work.
        Assert.Subset(RolePermissions.ScopeAware.ToHashSet(), RolePermissions.Of(RoleNames.Staff).ToHashSet());
    }
}
