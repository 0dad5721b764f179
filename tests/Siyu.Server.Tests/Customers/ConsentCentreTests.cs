using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Customers;

/// <summary>
/// The consent centre: location (a data use) is off until the customer opts in separately; every change is kept
/// with its source, actor and reason, including a 退订 reply; a bad channel or topic names the field.
/// </summary>
public sealed class ConsentCentreTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private long _customer;

    public async Task InitializeAsync()
    {
        _admin = await _factory.AdminClientAsync();
        _customer = await _factory.AddCustomerAsync(_admin, "13700001111", "zhang", "同意中心");
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<JsonNode> ConsentsAsync() => (await _admin.GetJsonOrNull($"/api/v1/customers/{_customer}/consents"))!;

    [Fact]
    public async Task Location_needs_its_own_opt_in_and_every_change_is_in_the_history()
    {
        Assert.False((await ConsentsAsync())["location_allowed"]!.GetValue<bool>());
        // A blanket opt-in to all messages is not consent to use the location.
        (await _admin.PutAsJsonAsync($"/api/v1/customers/{_customer}/consents", new { channel = "*", topic = "*", granted = true, source = "h5_form" })).EnsureSuccessStatusCode();
        Assert.False((await ConsentsAsync())["location_allowed"]!.GetValue<bool>());

        var optIn = await _admin.PutAsJsonAsync($"/api/v1/customers/{_customer}/consents", new { channel = "data", topic = "location", granted = true, source = "miniprogram", reason = "附近门店授权弹窗" });
        Assert.True(optIn.IsSuccessStatusCode, await optIn.Content.ReadAsStringAsync());
        var consents = await ConsentsAsync();
        Assert.True(consents["location_allowed"]!.GetValue<bool>());
        var latest = consents["history"]!.AsArray()[0]!;
        Assert.Equal(("data", "location", true, "miniprogram", "admin", "附近门店授权弹窗"),
            (latest["channel"]!.GetValue<string>(), latest["topic"]!.GetValue<string>(), latest["granted"]!.GetValue<bool>(),
             latest["source"]!.GetValue<string>(), latest["by"]!.GetValue<string>(), latest["reason"]!.GetValue<string>()));

        // A 退订 reply shows in the history as a revoke of every channel's marketing; location stays as it was.
        await _factory.ApiClient().PostEventsAsync(new
        {
            id = "cc-reply", type = "message.received", timestamp = DateTimeOffset.UtcNow.ToString("O"),
            identifiers = new { phone = "13700001111" }, properties = new { text = " 退订 " },
        });
        consents = await Json.EventuallyAsync(async () => (JsonNode?)await ConsentsAsync(), c => c["history"]!.AsArray().Count == 3);
        var reply = consents["history"]!.AsArray()[0]!;
        Assert.Equal(("*", "marketing", false, "reply_unsubscribe"),
            (reply["channel"]!.GetValue<string>(), reply["topic"]!.GetValue<string>(), reply["granted"]!.GetValue<bool>(), reply["source"]!.GetValue<string>()));
        Assert.True(consents["location_allowed"]!.GetValue<bool>());

        (await _admin.PutAsJsonAsync($"/api/v1/customers/{_customer}/consents", new { channel = "data", topic = "location", granted = false, source = "staff" })).EnsureSuccessStatusCode();
        Assert.False((await ConsentsAsync())["location_allowed"]!.GetValue<bool>());
        Assert.Equal(4, (await ConsentsAsync())["history"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("data", "marketing", "topic")]
    [InlineData("sms", "location", "topic")]
    [InlineData("fax", "marketing", "channel")]
    public async Task A_scope_that_does_not_exist_is_refused_naming_the_field(string channel, string topic, string field)
    {
        var response = await _admin.PutAsJsonAsync($"/api/v1/customers/{_customer}/consents", new { channel, topic, granted = true });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadAsync())["errors"]!.AsObject().ContainsKey(field));
        Assert.Empty((await ConsentsAsync())["history"]!.AsArray());
    }
}
