using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Siyu.Server.Tests;

/// <summary>
/// The real server (SQLite file, in-process Orleans silo) on its own data directory and ports; with
/// <paramref name="postgres"/> (a connection string) it stores everything in that PostgreSQL database instead.
/// </summary>
public sealed class SiyuFactory(string? dataDirectory = null, bool demo = false, TimeProvider? time = null, IReadOnlyDictionary<string, string>? settings = null,
    string? postgres = null)
    : WebApplicationFactory<Program>
{
    public const string ApiKey = "sk_test_key_0123456789";
    public const string AdminPassword = "test-admin-密码";

    public string DataDirectory { get; } = dataDirectory ?? Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Siyu:DataDirectory", DataDirectory);
        builder.UseSetting("Siyu:AdminPassword", AdminPassword);
        builder.UseSetting("Siyu:DemoApiKey", ApiKey);
        builder.UseSetting("Siyu:Demo", demo ? "true" : "false");
        builder.UseSetting("Siyu:SiloPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Siyu:GatewayPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Siyu:MaxBatch", "1000");
        if (postgres is not null)
        {
            builder.UseSetting("Siyu:DatabaseProvider", "postgres");
            builder.UseSetting("Siyu:Database", postgres);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
        if (time is not null)
        {
            builder.ConfigureTestServices(s => s.AddSingleton(time));
        }
    }

    /// <summary>Ingests one customer added by a staff member and waits until <paramref name="reader"/> sees them; answers the customer id.</summary>
    public async Task<long> AddCustomerAsync(HttpClient reader, string phone, string staffUserId, string name, object? attributes = null)
    {
        var attrs = System.Text.Json.JsonSerializer.SerializeToNode(attributes ?? new { })!.AsObject();
        attrs["name"] = name;
        var response = await ApiClient().PostEventsAsync(new
        {
            id = "add-" + phone, type = "customer.added", timestamp = DateTimeOffset.UtcNow.AddDays(-1).ToString("O"),
            identifiers = new { phone }, properties = new { staff_userid = staffUserId }, attributes = attrs,
        });
        var id = (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => reader.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["name"]?.GetValue<string>() == name);
        return id;
    }

    public HttpClient ApiClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>A client signed in to the console as the first-run admin (cookie auth).</summary>
    public async Task<HttpClient> AdminClientAsync()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = AdminPassword, ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.ToString());
        return client;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
