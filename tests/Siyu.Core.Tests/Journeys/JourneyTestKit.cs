using System.Globalization;
using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Journeys;
using Xunit;

namespace Siyu.Core.Tests.Journeys;

/// <summary>Shared fixtures: a catalog, a context whose answers the test sets, and effects rendered as short lines.</summary>
internal static class JourneyTestKit
{
    public static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    public static ConditionCatalog Catalog() => new()
    {
        Tags = new()
        {
            [1] = new TagInfo(1, "生日券已用", false),
            [2] = new TagInfo(2, "VIP", false),
            [3] = new TagInfo(3, "高价值", true),
        },
        Audiences = new() { [7] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}}""" },
    };

    /// <summary>The retail birthday-care journey of the issue: the example in the format's documentation.</summary>
    public const string BirthdayCare = """
        {
          "version": 1,
          "name": "生日关怀 · 生日券",
          "kind": "journey",
          "trigger": { "type": "date_relative", "attribute": "birthday", "days_before": 3, "at": "10:00", "yearly": true },
          "re_entry": { "policy": "always", "min_interval": "300d" },
          "goal": { "event": "order.paid", "window": "7d" },
          "steps": [
            { "id": "send_coupon", "name": "发生日券",
              "send": { "channel": "wecom_private", "topic": "marketing",
                        "text": "{name}，生日快乐！送您一张 50 元生日券，7 天内有效。",
                        "attachments": [ { "type": "miniprogram", "value": "pages/coupon/birthday", "title": "领取生日券" } ] } },
            { "id": "wait_paid", "name": "等待下单",
              "wait_event": { "event": "order.paid", "timeout": "7d", "on_timeout": "remind" },
              "next": "mark_used" },
            { "id": "remind", "name": "到期提醒",
              "send": { "channel": "wecom_private", "topic": "marketing", "text": "您的生日券明天到期，别忘了使用哦～" },
              "next": "done" },
            { "id": "mark_used", "tag": { "add": [1] } },
            { "id": "done", "exit": {} }
          ]
        }
        """;

    public static JourneyDefinition Parse(string json, long id = 100, int version = 1)
    {
        var result = JourneyParser.Parse(json, Catalog(), id, version);
        Assert.True(result.Ok, string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return result.Definition!;
    }

    public static IReadOnlyList<Siyu.Core.Events.FieldError> Errors(string json)
    {
        var result = JourneyParser.Parse(json, Catalog(), 100, 1);
        Assert.False(result.Ok);
        Assert.Null(result.Definition);
        return result.Errors;
    }

    /// <summary>A journey with the given steps (JSON array body), triggered manually, re-entry once.</summary>
    public static string Journey(string steps, string trigger = """{"type":"manual"}""", string? reEntry = null) =>
        $$"""{"version":1,"name":"t","trigger":{{trigger}},{{(reEntry is null ? "" : $"\"re_entry\":{reEntry},")}}"steps":[{{steps}}]}""";

    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    public static ProfileEvent Event(long customer, string type, DateTimeOffset at, JsonObject? properties = null) =>
        new(1, customer, type, at.UtcTicks, properties, null);

    /// <summary>One line per effect, e.g. "enter send_coupon", "send send_coupon wecom_private", "exit Completed End".</summary>
    public static string Describe(JourneyEffect e) => e switch
    {
        StepEntered s => $"enter {s.Key.StepId}",
        SendMessage s => $"send {s.Key.StepId} {s.Channel}",
        ChangeTags t => $"tags {t.Key.StepId} +[{string.Join(",", t.Add)}] -[{string.Join(",", t.Remove)}]",
        SetAttribute a => $"set {a.Name}={a.Value.GetRawText()}",
        CreateStaffTask t => $"task {t.Key.StepId} {t.StaffUserId ?? "owner"}",
        CallWebhook w => $"webhook {w.Key.StepId} {w.Url}",
        IssueCoupon c => $"coupon {c.Key.StepId} {c.TemplateId}",
        AwardPoints p => $"points {p.Key.StepId} {p.Amount}",
        VariantAssigned v => $"variant {v.Key.StepId} {(v.Holdout ? "holdout" : v.VariantName)}",
        JourneyExited x => $"exit {x.Status} {x.Reason}",
        _ => e.GetType().Name,
    };

    public static string[] Lines(IEnumerable<JourneyEffect> effects) => effects.Select(Describe).ToArray();
}

/// <summary>A context whose condition answers and date attributes the test sets.</summary>
internal sealed class FakeContext(TimeZoneInfo zone, DateTimeOffset now) : IJourneyContext
{
    public TimeZoneInfo Zone { get; } = zone;

    public int Today { get; } = TenantClock.Today(now, zone);

    public Func<Condition, bool> Decide { get; set; } = _ => false;

    public Dictionary<string, DateOnly> Dates { get; } = [];

    public int Evaluations { get; private set; }

    public bool Matches(Condition condition)
    {
        Evaluations++;
        return Decide(condition);
    }

    public DateOnly? DateAttribute(string name) => Dates.TryGetValue(name, out var d) ? d : null;
}
