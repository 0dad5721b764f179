using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Compliance;

/// <summary>
/// Personal information on a real server: masked in the customer API by default, searchable by the full number, and
/// revealed only to an admin who gives a reason, which lands in the audit log.
/// </summary>
public sealed class PiiMaskingFlowTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Masked_by_default_revealed_with_a_reason_and_audited()
    {
        var body = await (await _api.PostEventsAsync(new
        {
            events = new[]
            {
                new
                {
                    type = "profile.updated", timestamp = "2026-11-30T10:00:00+08:00", identifiers = new { phone = "13912345678" },
                    attributes = new { name = "李雷", id_card = "110101199001011234", bank_card = "6222021234561234", 收货地址 = "上海市浦东新区世纪大道100号", city = "上海" },
                },
            },
        })).ReadAsync();
        var id = body["results"]![0]!["customer_id"]!.GetValue<long>();
        var masked = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["attributes"]?["city"] is not null);
        Assert.Equal("139****5678", masked["identifiers"]!.AsArray().Single(i => i!["type"]!.GetValue<string>() == "phone")!["value"]!.GetValue<string>());
        var attributes = masked["attributes"]!;
        Assert.Equal("110***********1234", attributes["id_card"]!.GetValue<string>());
        Assert.Equal("6222 **** **** 1234", attributes["bank_card"]!.GetValue<string>());
        Assert.Equal("上海市浦东新****", attributes["收货地址"]!.GetValue<string>());
        Assert.Equal("上海", attributes["city"]!.GetValue<string>()); // not personal: as it is
        Assert.DoesNotContain("13912345678", masked.ToJsonString(), StringComparison.Ordinal);

        // Search still finds the customer by the full number (and shows it masked).
        var found = await (await _admin.GetAsync("/api/v1/customers?q=13912345678")).ReadAsync();
        Assert.Equal(id, found["items"]![0]!["id"]!.GetValue<long>());

        var noReason = await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/reveal", new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.NotNull((await noReason.ReadAsync())["errors"]!["reason"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync("/api/v1/customers/987654321/reveal", new { reason = "核对退款" })).StatusCode);

        var revealed = await (await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/reveal", new { reason = "核对退款收货地址" })).ReadAsync();
        Assert.Equal("13912345678", revealed["identifiers"]!.AsArray().Single(i => i!["type"]!.GetValue<string>() == "phone")!["value"]!.GetValue<string>());
        Assert.Equal("上海市浦东新区世纪大道100号", revealed["attributes"]!["收货地址"]!.GetValue<string>());

        var audit = await (await _admin.GetAsync("/api/v1/audit?action=customer.reveal")).ReadAsync();
        var entry = audit["items"]!.AsArray().Single()!;
        Assert.Equal($"customer:{id}", entry["target"]!.GetValue<string>());
        Assert.Equal("核对退款收货地址", entry["detail"]!.GetValue<string>());
    }
}
