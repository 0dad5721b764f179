using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Siyu.WeCom.Api;

/// <summary>Where the API lives; per-corp credentials are passed to <see cref="WeComApiClientFactory.Create"/>.</summary>
public sealed class WeComApiOptions
{
    /// <summary>The real API by default; point it at the simulator in demo mode and tests.</summary>
    public Uri BaseAddress { get; set; } = WeComApiClient.DefaultBaseAddress;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Backoff for frequency limits (45009/45033), "system busy" and HTTP 5xx.</summary>
    public WeComRetryOptions Retry { get; set; } = new();
}

/// <summary>Creates <see cref="WeComApiClient"/>s for any (corp, secret) over pooled handlers and one shared token cache.</summary>
public sealed class WeComApiClientFactory
{
    public const string HttpClientName = "Siyu.WeCom";

    private readonly IHttpClientFactory _httpClients;
    private readonly WeComTokenCache _tokens;
    private readonly WeComRetryOptions _retry;

    public WeComApiClientFactory(IHttpClientFactory httpClients, WeComTokenCache tokens, IOptions<WeComApiOptions> options)
    {
        _httpClients = httpClients;
        _tokens = tokens;
        _retry = options.Value.Retry;
    }

    /// <summary>Cheap: create one per use; tokens live in the shared cache, not in the client.</summary>
    /// <remarks>
    /// Backoff waits on the real clock, not the registered <see cref="TimeProvider"/>: a host that moves
    /// business time by hand (demo, tests) must not freeze network retries.
    /// </remarks>
    public WeComApiClient Create(WeComCredentials credentials) =>
        new(_httpClients.CreateClient(HttpClientName), credentials, _tokens, _retry);
}

public static class WeComApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="WeComApiClientFactory"/>, a singleton <see cref="WeComTokenCache"/> (using the
    /// registered <see cref="TimeProvider"/>, or the system clock) and the named HttpClient it uses.
    /// </summary>
    public static IHttpClientBuilder AddWeComApi(this IServiceCollection services, Action<WeComApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WeComApiOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new WeComTokenCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<WeComApiClientFactory>();
        return services.AddHttpClient(WeComApiClientFactory.HttpClientName, (sp, http) =>
        {
            var settings = sp.GetRequiredService<IOptions<WeComApiOptions>>().Value;
            http.BaseAddress = settings.BaseAddress;
            http.Timeout = settings.Timeout;
        });
    }
}
