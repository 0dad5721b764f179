using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Siyu.Server.Tests.Compliance;

/// <summary>
/// Personal information stays out of the logs and the exports: every log line of a server that ingests, rejects,
/// searches, reveals and exports a customer's phone, ID card, bank card and address (captured at every level) is
/// checked for the plaintext, and so is the audience CSV export.
/// </summary>
public sealed class PiiInLogsAndExportsTests : IAsyncLifetime
{
    private const string Phone = "13812345678";
    private const string IdCard = "110101199003071234";
    private const string BankCard = "6222021234567890123";
    private const string Address = "上海市浦东新区世纪大道100号";
    private static readonly string[] Secrets = [Phone, IdCard, BankCard, Address];

    private readonly SiyuFactory _root = new();
    private readonly CaptureProvider _logs = new();
    private WebApplicationFactory<Program> _factory = null!;

    private sealed class CaptureProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capture(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Capture(CaptureProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }

    public Task InitializeAsync()
    {
        _factory = _root.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(_logs).AddFilter<CaptureProvider>(null, LogLevel.Trace)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _root.DisposeAsync();
    }

    [Fact]
    public async Task No_log_line_and_no_csv_export_holds_the_plaintext()
    {
        var api = _factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", SiyuFactory.ApiKey);
        var admin = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await admin.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = SiyuFactory.AdminPassword, ["returnUrl"] = "/",
        }));
        Assert.Equal("/", login.Headers.Location?.ToString());

        var accepted = await api.PostEventsAsync(new
        {
            id = "pii-log-1", type = "customer.added", timestamp = DateTimeOffset.UtcNow.AddDays(-1).ToString("O"),
            identifiers = new { phone = Phone }, properties = new { staff_userid = "zhang" },
            attributes = new { name = "日志检查", id_card = IdCard, bank_card = BankCard, address = Address },
        });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        // Rejected input carrying the same values: the problem names the field, the log must not echo the value.
        var rejected = await api.PostEventsAsync(new { id = "pii-log-2", type = "customer.added", timestamp = "not a time", identifiers = new { phone = Phone }, attributes = new { address = Address } });
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/customers?q={Phone}"), page => page["items"]!.AsArray().Count == 1);
        (await admin.PostAsJsonAsync($"/api/v1/customers/{id}/reveal", new { reason = "核对日志" })).EnsureSuccessStatusCode();

        var audience = await admin.PostAsJsonAsync("/api/v1/audiences", new { name = "日志检查人群", condition = new { version = 1, root = new { type = "list", customer_ids = new[] { id } } } });
        Assert.True(audience.IsSuccessStatusCode, await audience.Content.ReadAsStringAsync());
        var csv = await admin.GetStringAsync($"/api/v1/audiences/{(await audience.ReadAsync())["id"]!.GetValue<long>()}/export.csv");
        Assert.Contains("日志检查", csv);
        Assert.All(Secrets, s => Assert.DoesNotContain(s, csv, StringComparison.Ordinal));

        var lines = _logs.Lines.ToList();
        Assert.True(lines.Count > 50, $"only {lines.Count} log lines captured");
        var leaks = lines.Where(l => Secrets.Any(s => l.Contains(s, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, string.Join('\n', leaks));
    }
}
