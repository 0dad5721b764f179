using Microsoft.AspNetCore.DataProtection;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using Orleans.Configuration;
using Scalar.AspNetCore;
using Siyu.Core.Events;
using Siyu.Server.Auth;
using Siyu.Server.Cluster;
using Siyu.Server.Components;
using Siyu.Server.Customers;
using Siyu.Server.Data;
using Siyu.Server.Demo;
using Siyu.Server.Ingest;
using Siyu.Server.Operations;
using Siyu.Server.Partitions;
using Siyu.Server.Security;
using Siyu.Server.Tags;
using Siyu.Server.Tenants;
using Siyu.WeCom.Api;

namespace Siyu.Server;

/// <summary>Composition in one place: Program.cs reads as a table of contents.</summary>
public static class Extensions
{
    public static SiyuOptions AddSiyu(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Siyu").Get<SiyuOptions>() ?? new SiyuOptions();
        Directory.CreateDirectory(options.DataDirectory);
        // `dotnet run` serves package assets (MudBlazor, blazor.web.js) from the build manifest in every
        // environment, not only Development; a published app has no manifest and this is a no-op.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        services.AddSingleton(options);
        var cluster = options.Cluster;
        services.AddSingleton(cluster);
        if (cluster.Enabled && Cluster.ClusterSettings.MissingForCluster(builder.Configuration, options) is { Count: > 0 } missing)
        {
            throw new InvalidOperationException("Cluster mode (Siyu:Cluster:Enabled) needs settings every node shares: " + string.Join("; ", missing) + ".");
        }
        // Keys are read (or, for the demo start, generated) before anything else, so a wrong setting stops the start with its name.
        var pii = Compliance.PiiKeys.Load(builder.Configuration, options.DataDirectory, DeclaredProduction(builder.Environment) || cluster.Enabled);
        services.AddSingleton(pii);
        services.AddSingleton(pii.Protector);
        services.AddSingleton<Compliance.PiiRotation>();
        services.TryAddSingleton(TimeProvider.System);
        builder.AddSiyuTelemetry();
        services.AddHostedService<BootstrapService>();
        // The silo starts after the database is migrated and before ingest begins.
        builder.UseOrleans(silo =>
        {
            if (cluster.Enabled)
            {
                UseCluster(silo, options);
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
                // One silo: nobody to probe, no other generations to retire, no defunct silos to clean up. All of these go by the
                // clock, and a clock that jumps (an injected TimeProvider, a suspended VM) must not make the only silo declare
                // itself dead and stop the process (seen in tests that move time by a day).
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.LivenessEnabled = false;
                    o.SiloGenerationRetirementAge = null;
                    o.DefunctSiloCleanupPeriod = null;
                    o.MaxDefunctSiloEntries = null;
                });
            }
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(2));
            silo.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        });
        services.AddSingleton<Cluster.EventLogRoute>();
        services.AddSingleton<ClusterCaches>();
        if (cluster.Enabled)
        {
            services.AddHostedService<ClusterCacheSync>();
        }
        new DatabaseOptions(options.ConnectionString, options.Provider).AddDbContexts(services);
        services.AddSingleton<EventStore>();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton(new EventParser(new EventParserOptions()));
        services.AddSingleton(new IngestOptions { MaxPendingEvents = options.MaxPendingEvents });
        services.AddSingleton<PartitionDispatcher>();
        services.AddSingleton<TenantQuota>();
        services.AddSingleton<IngestWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestWriter>());
        services.AddHostedService<PartitionWarmup>();
        if (cluster.Enabled)
        {
            services.AddClusterSingleton<Cluster.PartitionKeeper>();
        }
        var simulator = builder.Configuration.GetSection("Siyu:Simulator").Get<SimulatorSettings>() ?? new SimulatorSettings();
        simulator.Enabled &= options.Demo;
        services.AddSingleton(simulator);
        services.AddSingleton<EmbeddedWeComSimulator>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedWeComSimulator>());
        services.AddWeComApi();
        services.AddClusterSingleton<DemoSeeder>();
        services.AddSingleton<CustomerReader>();
        services.AddSingleton<AttributeEditor>();
        services.AddSingleton<ConsentEditor>();
        services.AddSingleton<Tags.TagCatalog>();
        services.AddSingleton<Tags.TagWriter>();
        services.AddSingleton<Tags.TagDefinitions>();
        services.AddSingleton<Audiences.ConditionCatalogs>();
        services.AddSingleton<Audiences.AudienceService>();
        // Protects cookies and stored WeCom secrets. One node keeps its key ring with its data; a cluster shares it in the database.
        var keyRing = services.AddDataProtection().SetApplicationName("Siyu");
        keyRing = cluster.Enabled
            ? keyRing.PersistKeysToDbContext<SiyuDb>()
            : keyRing.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDirectory, "keys")));
        var keyRingCipher = Security.KeyRingEncryptor.FromConfiguration(options.DataProtectionKey);
        services.AddSingleton(new Security.KeyRingCipher(keyRingCipher));
        if (keyRingCipher is not null)
        {
            keyRing.AddKeyManagementOptions(o => o.XmlEncryptor = new Security.KeyRingEncryptor(keyRingCipher));
        }
        services.AddSingleton<WeCom.WeComConnections>();
        services.AddSingleton<WeCom.ChannelCodes>();
        services.AddSingleton<WeCom.WeComSync>();
        services.AddSingleton<WeCom.WeComTagPush>();
        services.AddSingleton<WeCom.CustomerGroups>();
        services.AddSingleton<WeCom.CustomerTransfers>();
        services.AddClusterSingleton<WeCom.WeComScheduler>();
        services.AddSingleton<WeCom.WelcomeTimings>();
        services.AddClusterSingleton<WeCom.InboxProcessor>();
        services.AddSingleton<Messaging.LinkTracker>();
        services.AddSingleton<Journeys.JourneyCatalog>();
        services.AddSingleton<Journeys.JourneyService>();
        services.AddSingleton<Journeys.JourneyEffectRunner>();
        services.AddSingleton<Journeys.JourneyExperiments>();
        services.AddSingleton<Analytics.AnalyticsSettingsStore>();
        services.AddSingleton<Analytics.RfmService>();
        services.AddSingleton<Analytics.LifecycleService>();
        services.AddSingleton<Analytics.FunnelService>();
        services.AddSingleton<Analytics.KpiService>();
        services.AddSingleton<Analytics.AttributionService>();
        services.AddSingleton<Analytics.CohortService>();
        services.AddClusterSingleton<Analytics.RfmScheduler>();
        services.AddHttpClient("journey-webhooks");
        services.AddSingleton<Delivery.DeliverySettingsStore>();
        services.AddSingleton<Delivery.ReviewPacks>();
        services.AddSingleton<Handoffs.HandoffService>();
        services.AddSingleton<Coupons.CouponService>();
        services.AddSingleton<Coupons.CouponAbuseGuard>();
        services.AddSingleton<Lottery.LotteryService>();
        services.AddSingleton<Stores.StoreService>();
        services.AddSingleton<Referrals.ReferralService>();
        services.AddSingleton<Referrals.ReferralPosters>();
        services.AddSingleton<Groups.GroupCodeService>();
        services.AddSingleton<CheckIns.CheckInService>();
        services.AddClusterSingleton<CheckIns.CampaignTicker>();
        services.AddClusterSingleton<Coupons.CouponExpiry>();
        services.AddSingleton<Loyalty.LoyaltyService>();
        services.AddSingleton<Campaigns.CampaignOverview>();
        services.AddClusterSingleton<Loyalty.LoyaltyWorker>();
        services.Configure<Delivery.SmsOptions>(builder.Configuration.GetSection("Siyu:Sms"));
        services.AddHttpClient(Delivery.SmsWebhook.HttpClientName);
        services.AddSingleton<Delivery.SmsWebhook>();
        services.AddSingleton<Delivery.DeliveryService>();
        services.AddClusterSingleton<Delivery.DeliveryWorker>();
        services.AddSingleton<MassSends.MassSends>();
        services.AddClusterSingleton<MassSends.MassSendRunner>();
        services.AddSingleton<Analytics.AlertService>();
        services.AddClusterSingleton<Analytics.AlertScheduler>();
        services.AddSingleton<Conversations.ArchiveIngestor>();
        services.AddSingleton<Conversations.ConversationSearch>();
        services.AddClusterSingleton<Conversations.ArchiveRetention>();
        services.AddHttpClient(Conversations.DemoArchivePuller.HttpClientName);
        services.AddClusterSingleton<Conversations.DemoArchivePuller>();
        services.AddClusterSingleton<Quality.QualityService>();
        services.AddSingleton<Compliance.CustomerExport>();
        services.AddSingleton<Compliance.DataSubjectRequestService>();
        services.AddSingleton<Passwords>();
        builder.AddSiyuSecurity();

        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
        });
        services.AddProblemDetails();
        // Phone, ID card and bank card numbers are masked in every log line, the framework's included.
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new Compliance.RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<Microsoft.Extensions.Options.IOptions<LoggerFactoryOptions>>()))));
        services.AddExceptionHandler<BadRequests>();
        services.AddExceptionHandler<ClusterUnavailable>();
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Siyu API";
            doc.Info.Description = "私域 customer operations platform: ingest, customers and One ID.";
            return Task.CompletedTask;
        }));

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = "siyu.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = AccessDirectory.ValidatePrincipalAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(ApiKeyAuthenticationHandler.ApiOrCookie, null, o =>
            {
                o.ForwardDefault = CookieAuthenticationDefaults.AuthenticationScheme;
                o.ForwardDefaultSelector = ApiKeyAuthenticationHandler.SelectScheme;
            });
        services.AddAuthorizationBuilder()
            .AddPolicy("api", p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.ApiOrCookie).RequireAuthenticatedUser())
            .AddPermissionPolicies();
        services.AddSingleton<AccessDirectory>();
        services.AddSingleton<UserAdmin>();
        services.AddSingleton<Compliance.Reveals>();
        services.AddSingleton<Scripts.ScriptLibrary>();
        services.AddSingleton<Intents.IntentService>();
        services.AddSingleton<Sidebar.SidebarService>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, PermissionHandler>();
        services.AddCascadingAuthenticationState();
        services.AddLocalization();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<UiText>();
        return options;
    }

    /// <summary>
    /// N processes, one Orleans cluster: membership in the shared database (<see cref="MembershipTable"/>), each silo
    /// reachable at its advertised IP, and liveness on so a dead silo is voted out and its grains come back elsewhere.
    /// </summary>
    private static void UseCluster(ISiloBuilder silo, SiyuOptions options)
    {
        var cluster = options.Cluster;
        silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = "siyu";
        });
        silo.ConfigureEndpoints(cluster.ResolveAdvertisedIp(), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        silo.Services.AddSingleton<IMembershipTable, MembershipTable>();
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // Detection time ≈ probe timeout × missed probes: seconds, not the default tens of seconds, because
            // partitions of a dead silo are unavailable until it is declared dead.
            o.ProbeTimeout = TimeSpan.FromSeconds(cluster.ProbeTimeoutSeconds);
            o.NumMissedProbesLimit = 3;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(30);
        });
    }

    /// <summary>
    /// Production that someone chose (ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT), as opposed to the default a bare
    /// <c>dotnet run</c> gets without launch settings: the documented one-command start must keep working with generated keys.
    /// </summary>
    private static bool DeclaredProduction(IWebHostEnvironment environment) =>
        environment.IsProduction()
        && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"));

    /// <summary>API callers get a problem response, browsers the login page.</summary>
    private static Task ApiAware(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
        {
            ctx.Response.StatusCode = status;
            return ctx.Response.WriteAsJsonAsync(new
            {
                type = "https://tools.ietf.org/html/rfc9110#section-15.5." + (status == 401 ? "2" : "4"),
                title = status == 401 ? "Authentication required" : "Forbidden",
                status,
                detail = status == 401 ? "Send a valid API key in X-Api-Key (or sign in to the console)." : "Your role does not allow this.",
            }, options: null, contentType: "application/problem+json");
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    public static WebApplication UseSiyu(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSiyuSecurity();
        var cultures = new[] { new CultureInfo("zh-CN"), new CultureInfo("en") };
        app.UseRequestLocalization(o =>
        {
            o.DefaultRequestCulture = new Microsoft.AspNetCore.Localization.RequestCulture("zh-CN");
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            // Chinese first: the browser's Accept-Language does not override the default, only the explicit switch does.
            o.RequestCultureProviders = [new Microsoft.AspNetCore.Localization.QueryStringRequestCultureProvider(), new Microsoft.AspNetCore.Localization.CookieRequestCultureProvider()];
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapStaticAssets();

        app.MapOpenApi();
        app.MapScalarApiReference(o => o.WithTitle("Siyu API"));

        var api = app.MapGroup("/api/v1").RequireAuthorization("api").AddEndpointFilter(CustomerScopeFilter.InvokeAsync).AddEndpointFilter(JsonBodyGuard.InvokeAsync);
        api.MapEventsApi();
        api.MapCustomersApi();
        api.MapTenantApi();
        api.MapTagsApi();
        Audiences.AudiencesApi.MapAudiencesApi(api);
        WeCom.WeComEndpoints.MapWeComApi(api);
        MassSends.MassSendEndpoints.MapMassSendApi(api);
        Analytics.AlertsApi.MapAlertsApi(api);
        Delivery.DeliveryEndpoints.MapDeliveryApi(api);
        Journeys.JourneysApi.MapJourneysApi(api);
        Analytics.AnalyticsApi.MapAnalyticsApi(api);
        Compliance.AuditApi.MapAuditApi(api);
        Compliance.PiiApi.MapPiiApi(api);
        Compliance.DataSubjectRequestsApi.MapDataSubjectRequestsApi(api);
        Auth.UsersApi.MapUsersApi(api);
        Scripts.ScriptsApi.MapScriptsApi(api);
        Intents.IntentsApi.MapIntentsApi(api);
        Sidebar.SidebarApi.MapSidebarApi(api);
        Conversations.ArchiveApi.MapArchiveApi(api);
        Quality.QualityApi.MapQualityApi(api);
        Handoffs.HandoffApi.MapHandoffApi(api);
        Coupons.CouponApi.MapCouponApi(api);
        Lottery.LotteryApi.MapLotteryApi(api);
        Stores.StoresApi.MapStoresApi(api);
        Referrals.ReferralApi.MapReferralApi(api);
        Groups.GroupCodesApi.MapGroupCodesApi(api);
        CheckIns.CheckInsApi.MapCheckInsApi(api);
        Loyalty.LoyaltyApi.MapLoyaltyApi(api);
        Campaigns.CampaignOverview.MapCampaignsApi(api);
        ClusterApi.MapClusterApi(api);
        // A new endpoint without a declared permission would be open to every signed-in role: refuse to start.
        if (AccessGuard.EndpointsWithoutPermission(((IEndpointRouteBuilder)app).DataSources) is { Count: > 0 } open)
        {
            throw new InvalidOperationException("API endpoints without .Requires(Permission): " + string.Join("; ", open));
        }
        WeCom.CallbackEndpoints.MapWeComCallbacks(app);
        app.MapAccountEndpoints();
        Sidebar.SidebarApi.MapSidebarEntry(app);
        app.MapSiyuOperations();
        // Short links in messages: public (customers click them), no login.
        app.MapGet("/l/{code}", async (string code, Messaging.LinkTracker links) =>
            await links.ClickAsync(code) is { } url ? Results.Redirect(url) : Results.NotFound()).AllowAnonymous().ExcludeFromDescription();

        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                Console.WriteLine($"Siyu console: {address}/   API reference: {address}/scalar");
            }
        });
        return app;
    }
}
