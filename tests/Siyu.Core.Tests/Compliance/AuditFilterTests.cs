using Siyu.Core.Compliance;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class AuditFilterTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public void Dates_are_tenant_local_days_and_to_includes_its_day()
    {
        var (f, errors) = AuditFilter.Parse(" mass_send ", "admin", "2026-12-01", "2026-12-01", null, null, Shanghai);
        Assert.Empty(errors);
        // 2026-12-01 00:00 +08:00 = 2026-11-30 16:00 UTC; the end is 2026-12-01 16:00 UTC
        Assert.Equal(new DateTime(2026, 11, 30, 16, 0, 0, DateTimeKind.Utc).Ticks, f!.FromTicks);
        Assert.Equal(new DateTime(2026, 12, 1, 16, 0, 0, DateTimeKind.Utc).Ticks, f.ToTicks);
        Assert.Equal("mass_send", f.Action);
        Assert.Equal(100, f.Limit);
    }

    [Fact]
    public void Date_times_keep_their_offset()
    {
        var (f, _) = AuditFilter.Parse(null, null, "2026-12-01T08:30:00+08:00", "2026-12-01T01:00:00Z", "42", "500", Shanghai);
        Assert.Equal(new DateTime(2026, 12, 1, 0, 30, 0, DateTimeKind.Utc).Ticks, f!.FromTicks);
        Assert.Equal(new DateTime(2026, 12, 1, 1, 0, 0, DateTimeKind.Utc).Ticks, f.ToTicks);
        Assert.Equal(42, f.BeforeId);
        Assert.Equal(500, f.Limit);
    }

    [Theory]
    [InlineData(null, null, "2026-02-30", null, null, null, "from")]
    [InlineData(null, null, "12/01/2026", null, null, null, "from")]
    [InlineData(null, null, "2026-12-02", "2026-12-01", null, null, "to")]
    [InlineData(null, null, null, null, "0", null, "before_id")]
    [InlineData(null, null, null, null, "1e3", null, "before_id")]
    [InlineData(null, null, null, null, null, "501", "limit")]
    [InlineData(null, null, null, null, null, "-1", "limit")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", null, null, null, null, null, "action")]
    public void Bad_values_name_their_field(string? action, string? actor, string? from, string? to, string? beforeId, string? limit, string field)
    {
        var (f, errors) = AuditFilter.Parse(action, actor, from, to, beforeId, limit, Shanghai);
        Assert.Null(f);
        Assert.Equal(field, Assert.Single(errors).Path);
    }
}
