using System.Text.Json.Nodes;
using Siyu.Server.Partitions;

namespace Siyu.Server.Customers;

/// <summary>API shapes: times as ISO-8601 UTC, attributes and properties as JSON objects.</summary>
public static class CustomerDtos
{
    public sealed record CustomerListItem(long Id, string? Name, int Orders, decimal NetSpend, DateTimeOffset? FirstSeenAt, DateTimeOffset? LastSeenAt, IReadOnlyList<string> Staff, bool Erased = false);

    public sealed record CustomerListResponse(IReadOnlyList<CustomerListItem> Items, long? NextBefore, int Total);

    public sealed record Category(string Name, int Orders, decimal Spend, DateTimeOffset? LastOrderAt);

    public sealed record Identifier(string Type, string Value, DateTimeOffset AttachedAt);

    public sealed record Merge(long Id, long SurvivorId, long MergedId, IReadOnlyList<string> MovedIdentifiers, bool Manual, string Reason, string? Actor, DateTimeOffset At, DateTimeOffset? UndoneAt);

    public sealed record CustomerTag(long Id, string Name, string Group, string Source, DateTimeOffset AddedAt);

    public sealed record Order(string OrderId, decimal Amount, string? Category, DateTimeOffset PaidAt, decimal Refunded, DateTimeOffset? RefundedAt, decimal Net);

    public sealed record MergeConflict(long Id, long CustomerA, long CustomerB, string Reason, string? Identifier, DateTimeOffset At);

    public sealed record Customer(
        long Id, long RequestedId, string? Name, JsonObject Attributes, IReadOnlyList<Identifier> Identifiers,
        int Orders, decimal Spend, decimal Refunded, decimal NetSpend, DateTimeOffset? FirstOrderAt, DateTimeOffset? LastOrderAt,
        DateTimeOffset? FirstSeenAt, DateTimeOffset? LastSeenAt, IReadOnlyList<Category> Categories,
        IReadOnlyDictionary<string, int> EventCounts, IReadOnlyDictionary<string, string?> Staff, IReadOnlyList<CustomerTag> Tags, IReadOnlyList<Merge> Merges,
        IReadOnlyList<Consent> Consents, IReadOnlyDictionary<string, double> Scores, string? RfmSegment, Lifecycle? Lifecycle, DateTimeOffset? PurchaseDueAt,
        bool Erased = false);

    public sealed record Lifecycle(string Stage, string StageName, DateTimeOffset Since, bool Manual, IReadOnlyList<LifecycleChange> History);

    public sealed record LifecycleChange(string Stage, string StageName, DateTimeOffset At, bool Manual, string? By, string? Reason);

    public sealed record Consent(string Channel, string Topic, bool Granted, DateTimeOffset At, string? Source);

    public sealed record Event(long Seq, string Type, DateTimeOffset Timestamp, JsonObject? Properties, JsonObject? Attributes, string Source, long OriginalCustomerId);

    public static DateTimeOffset? Time(long ticks) => ticks is 0 or long.MaxValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    public static CustomerListItem ToDto(this CustomerSummary s) =>
        new(s.Id, s.Name, s.Orders, s.NetSpend, Time(s.FirstSeenTicks), Time(s.LastSeenTicks), s.Staff, s.Erased);

    public static CustomerListResponse ToDto(this CustomerPage page) => new([.. page.Items.Select(ToDto)], page.NextBefore, page.Total);

    /// <summary>The customer as the API shows it; tags are named through the tenant's catalog and deleted tags are left out.</summary>
    /// <remarks>Phone, e-mail, ID card, bank card and address values are masked unless <paramref name="reveal"/> (an audited reveal).</remarks>
    public static Customer ToDto(this CustomerDetail d, Func<long, Tags.TagInfo?> tag, bool reveal = false)
    {
        var p = d.Profile;
        var attributes = JsonNode.Parse(p.AttributesJson) as JsonObject ?? [];
        if (!reveal)
        {
            Core.Compliance.PiiMask.MaskAttributes(attributes);
        }
        return new Customer(p.Id, d.RequestedId, p.Name, attributes,
            [.. d.Identifiers.Select(i => new Identifier(i.Type, reveal ? i.Value : Core.Compliance.PiiMask.Mask(Core.Compliance.PiiMask.KindOfIdentifier(i.Type), i.Value),
                new DateTimeOffset(i.AttachedAtTicks, TimeSpan.Zero)))],
            p.Orders, p.Spend, p.Refunded, p.Spend - p.Refunded, Time(p.FirstOrderTicks), Time(p.LastOrderTicks), Time(p.FirstSeenTicks), Time(p.LastSeenTicks),
            [.. p.Categories.Select(c => new Category(c.Category, c.Orders, c.Spend, Time(c.LastOrderTicks)))],
            p.EventCounts, p.Staff,
            [.. p.Tags.Select(t => (View: t, Info: tag(t.TagId))).Where(t => t.Info is { Deleted: false })
                .Select(t => new CustomerTag(t.View.TagId, t.Info!.Name, t.Info.GroupName, t.View.Source, new DateTimeOffset(t.View.AtTicks, TimeSpan.Zero)))],
            [.. d.Merges.Select(ToDto)],
            [.. p.Consents.Select(c => new Consent(c.Channel, c.Topic, c.Granted, new DateTimeOffset(c.AtTicks, TimeSpan.Zero), c.Source))],
            p.Scores ?? [], p.RfmSegment,
            p.Lifecycle is { } l
                ? new Lifecycle(l.Stage, StageName(l.Stage), new DateTimeOffset(l.SinceTicks, TimeSpan.Zero), l.Manual,
                    [.. l.History.Select(h => new LifecycleChange(h.Stage, StageName(h.Stage), new DateTimeOffset(h.AtTicks, TimeSpan.Zero), h.Manual, h.By, h.Reason))])
                : null,
            Time(p.PurchaseDueTicks), p.Erased);
    }

    private static string StageName(string stage) => Core.Analytics.Lifecycle.Parse(stage) is { } s ? Core.Analytics.Lifecycle.Name(s) : stage;

    /// <summary>A moved identifier ("phone:13800138000") with its value masked like the customer's own.</summary>
    public static string MaskIdentifier(string typed) => typed.Split(':', 2) is [var type, var value]
        ? $"{type}:{Core.Compliance.PiiMask.Mask(Core.Compliance.PiiMask.KindOfIdentifier(type), value)}"
        : typed;

    public static Merge ToDto(this MergeView m) =>
        new(m.Id, m.SurvivorId, m.MergedId, [.. m.MovedIdentifiers.Select(MaskIdentifier)], m.Manual, m.Reason, m.Actor, new DateTimeOffset(m.AtTicks, TimeSpan.Zero), Time(m.UndoneAtTicks ?? 0));

    public static Order ToDto(this Siyu.Core.Customers.OrderLine o) =>
        new(o.OrderId, o.Amount, o.Category, new DateTimeOffset(o.PaidAtTicks, TimeSpan.Zero), o.Refunded, Time(o.RefundedAtTicks ?? 0), o.Net);

    public static MergeConflict Conflict(MergeConflictView c) =>
        new(c.Id, c.CustomerA, c.CustomerB, c.Reason, c.Identifier is null ? null : MaskIdentifier(c.Identifier), new DateTimeOffset(c.AtTicks, TimeSpan.Zero));

    /// <summary>An event as the API shows it: property and attribute values whose names say they are PII are masked.</summary>
    public static Event ToDto(this TimelineEvent e) => new(e.Seq, e.Type, new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero),
        Masked(e.Properties), Masked(e.Attributes), e.Source, e.OriginalCustomerId);

    private static JsonObject? Masked(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonObject o)
        {
            return null;
        }
        Core.Compliance.PiiMask.MaskAttributes(o);
        return o;
    }
}
