using System.Text.Json;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Events;

public sealed class EventParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));
    private readonly EventParser _parser = new(new EventParserOptions());

    private (IncomingEvent? Event, List<FieldError> Errors) Parse(string json)
    {
        var errors = new List<FieldError>();
        using var doc = JsonDocument.Parse(json);
        return (_parser.Parse(doc.RootElement, "e", Now, "test", errors), errors);
    }

    [Fact]
    public void Valid_order_is_parsed_with_identifiers_and_properties()
    {
        var (e, errors) = Parse("""
            {"id": "o1", "type": "order.paid", "timestamp": "2026-11-25T09:00:00+08:00",
             "identifiers": {"phone": "13800138000", "platform_id": ["taobao:b1", "jd:b2"]},
             "properties": {"order_id": "T1", "amount": 12.5, "category": "母婴"}}
            """);
        Assert.Empty(errors);
        Assert.NotNull(e);
        Assert.Equal("id:o1", e.IdempotencyKey);
        Assert.Equal(3, e.Identifiers.Count);
        Assert.Contains((IdentifierType.PlatformId, "jd:b2"), e.Identifiers);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero), e.Timestamp.ToUniversalTime());
    }

    [Theory]
    [InlineData("""{"type": "x.y", "identifiers": {"phone": "13800000001"}, "extra": 1}""", "e.extra")]
    [InlineData("""{"identifiers": {"phone": "13800000001"}}""", "e.type")]
    [InlineData("""{"type": "page.viewed"}""", "e.identifiers")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"wechat": "1"}}""", "e.identifiers.wechat")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": 138}}""", "e.identifiers.phone")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "timestamp": "yesterday"}""", "e.timestamp")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "timestamp": "2026-11-25T10:06:00+08:00"}""", "e.timestamp")]
    [InlineData("""{"type": "order.paid", "identifiers": {"phone": "13800000001"}, "properties": {"amount": 1}}""", "e.properties.order_id")]
    [InlineData("""{"type": "order.refunded", "identifiers": {"phone": "13800000001"}, "properties": {"order_id": "x", "amount": "ten"}}""", "e.properties.amount")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "attributes": {"tags": ["a"]}}""", "e.attributes.tags")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "attributes": {"visits_count": "many"}}""", "e.attributes.visits_count")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "attributes": {"1st": "x"}}""", "e.attributes.1st")]
    [InlineData("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "attributes": {"会员 等级": "x"}}""", "e.attributes.会员 等级")]
    [InlineData("""{"type": "page.viewed", "customer_id": -4}""", "e.customer_id")]
    [InlineData("""{"type": "customer.unmerged", "identifiers": {"phone": "13800000001"}}""", "e.type")]
    [InlineData("""[1, 2]""", "e")]
    public void Invalid_events_name_the_field_at_fault(string json, string path)
    {
        var (e, errors) = Parse(json);
        Assert.Null(e);
        Assert.Contains(errors, x => x.Path == path);
    }

    [Fact]
    public void Chinese_attribute_names_are_accepted()
    {
        var (e, errors) = Parse("""{"type": "profile.updated", "identifiers": {"phone": "13800000001"}, "attributes": {"会员等级": "金卡", "宝宝_生日2": "2025-01-01"}}""");
        Assert.Empty(errors);
        Assert.Equal("金卡", e!.Attributes!["会员等级"]!.GetValue<string>());
    }

    [Fact]
    public void A_timestamp_within_the_allowed_skew_is_accepted()
    {
        var (e, errors) = Parse("""{"type": "page.viewed", "identifiers": {"phone": "13800000001"}, "timestamp": "2026-11-25T10:04:00+08:00"}""");
        Assert.Empty(errors);
        Assert.NotNull(e);
    }

    [Fact]
    public void Derived_keys_are_stable_for_the_same_content_and_differ_otherwise()
    {
        const string a = """{"type": "page.viewed", "timestamp": "2026-11-25T09:00:00+08:00", "identifiers": {"phone": "13800000001", "email": "a@b.c"}, "properties": {"page": "/x"}}""";
        const string reordered = """{"identifiers": {"email": "a@b.c", "phone": "13800000001"}, "properties": {"page": "/x"}, "timestamp": "2026-11-25T09:00:00+08:00", "type": "page.viewed"}""";
        const string other = """{"type": "page.viewed", "timestamp": "2026-11-25T09:00:01+08:00", "identifiers": {"phone": "13800000001", "email": "a@b.c"}, "properties": {"page": "/x"}}""";
        Assert.Equal(Parse(a).Event!.IdempotencyKey, Parse(reordered).Event!.IdempotencyKey);
        Assert.NotEqual(Parse(a).Event!.IdempotencyKey, Parse(other).Event!.IdempotencyKey);
        // Orders without a client id dedupe on their order id, whatever else changes.
        var o1 = Parse("""{"type": "order.paid", "identifiers": {"phone": "13800000001"}, "properties": {"order_id": "T9", "amount": 1}}""").Event!;
        var o2 = Parse("""{"type": "order.paid", "identifiers": {"phone": "13800000002"}, "properties": {"order_id": "T9", "amount": 1}, "timestamp": "2026-11-24T00:00:00Z"}""").Event!;
        Assert.Equal(o1.IdempotencyKey, o2.IdempotencyKey);
    }

    [Fact]
    public void Events_without_id_or_timestamp_are_never_deduplicated_by_accident()
    {
        const string json = """{"type": "page.viewed", "identifiers": {"phone": "13800000001"}}""";
        Assert.NotEqual(Parse(json).Event!.IdempotencyKey, Parse(json).Event!.IdempotencyKey);
    }
}
