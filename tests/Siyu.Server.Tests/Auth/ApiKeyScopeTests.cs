using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Auth;

/// <summary>API key scopes, expiry and rotation with a grace period, through the key endpoints and real requests.</summary>
public sealed class ApiKeyScopeTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
    private readonly SiyuFactory _factory;
    private HttpClient _admin = null!;

    public ApiKeyScopeTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync() => _admin = await _factory.AdminClientAsync();

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<(int Id, string Secret)> CreateKeyAsync(object body)
    {
        var response = await _admin.PostAsync("/api/v1/api-keys", Json.Body(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        return (created["id"]!.GetValue<int>(), created["secret"]!.GetValue<string>());
    }

    private HttpClient KeyClient(string secret)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", secret);
        return client;
    }

    private static object Event(string phone) => new { type = "page.viewed", identifiers = new { phone } };

    [Fact]
    public async Task A_key_does_only_what_its_scopes_allow()
    {
        var (_, writer) = await CreateKeyAsync(new { name = "pos", scopes = new[] { "events:write" } });
        var (_, reader) = await CreateKeyAsync(new { name = "bi", scopes = new[] { "read" } });
        var (_, both) = await CreateKeyAsync(new { name = "both" });

        Assert.Equal(HttpStatusCode.Accepted, (await KeyClient(writer).PostEventsAsync(Event("13600000101"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await KeyClient(writer).GetAsync("/api/v1/journeys")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await KeyClient(reader).PostEventsAsync(Event("13600000102"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await KeyClient(reader).GetAsync("/api/v1/journeys")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await KeyClient(both).PostEventsAsync(Event("13600000103"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await KeyClient(both).GetAsync("/api/v1/journeys")).StatusCode);

        var list = await (await _admin.GetAsync("/api/v1/api-keys")).ReadAsync();
        var pos = list.AsArray().Single(k => k!["name"]!.GetValue<string>() == "pos")!;
        Assert.Equal(["events:write"], pos["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"admin\"]}", "scopes")]
    [InlineData("{\"name\":\"x\",\"scopes\":[]}", "scopes")]
    [InlineData("{\"name\":\"x\",\"expires_in_days\":0}", "expires_in_days")]
    public async Task Unknown_scopes_and_bad_lifetimes_are_refused_naming_the_field(string body, string field)
    {
        var response = await _admin.PostAsync("/api/v1/api-keys", Json.Body(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ReadAsync())["errors"]![field]);
    }

    [Fact]
    public async Task A_key_stops_working_when_it_expires()
    {
        var (_, secret) = await CreateKeyAsync(new { name = "short", expires_in_days = 1 });
        Assert.Equal(HttpStatusCode.OK, (await KeyClient(secret).GetAsync("/api/v1/tenant")).StatusCode);
        _time.Now += TimeSpan.FromHours(23);
        Assert.Equal(HttpStatusCode.OK, (await KeyClient(secret).GetAsync("/api/v1/tenant")).StatusCode);
        _time.Now += TimeSpan.FromHours(1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await KeyClient(secret).GetAsync("/api/v1/tenant")).StatusCode);
    }

    [Fact]
    public async Task Rotation_issues_a_new_secret_and_keeps_the_old_one_for_24_hours()
    {
        var (id, oldSecret) = await CreateKeyAsync(new { name = "crm", scopes = new[] { "events:write" }, expires_in_days = 90 });
        var rotate = await _admin.PostAsync($"/api/v1/api-keys/{id}/rotate", null);
        Assert.Equal(HttpStatusCode.Created, rotate.StatusCode);
        var rotated = await rotate.ReadAsync();
        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(["events:write"], rotated["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(_time.Now.AddDays(90), rotated["expires_at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(_time.Now.AddHours(24), rotated["previous"]!["expires_at"]!.GetValue<DateTimeOffset>());

        Assert.Equal(HttpStatusCode.Accepted, (await KeyClient(oldSecret).PostEventsAsync(Event("13600000201"))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await KeyClient(newSecret).PostEventsAsync(Event("13600000202"))).StatusCode);

        _time.Now += TimeSpan.FromHours(24);
        Assert.Equal(HttpStatusCode.Unauthorized, (await KeyClient(oldSecret).PostEventsAsync(Event("13600000203"))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await KeyClient(newSecret).PostEventsAsync(Event("13600000204"))).StatusCode);

        // The expired key cannot be rotated again; an unknown one is 404.
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/v1/api-keys/{id}/rotate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/api/v1/api-keys/99999/rotate", null)).StatusCode);
    }
}
