using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Runtime;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Operations;

/// <summary>
/// Operations endpoints: <c>/health</c> (alive), <c>/health/ready</c> (database, silo, ingest queue — what a load
/// balancer or Kubernetes readiness probe asks), <c>/metrics</c> (Prometheus text format), and OTLP export of metrics
/// and traces when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class Telemetry
{
    public static void AddSiyuTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<SiyuMetrics>();
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<SiloCheck>("silo", tags: ["ready"])
            .AddCheck<IngestQueueCheck>("ingest", tags: ["ready"]);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("siyu", serviceInstanceId: Environment.MachineName))
            .WithMetrics(m =>
            {
                m.AddMeter(SiyuMetrics.MeterName, Siyu.WeCom.Api.WeComMetrics.MeterName, "Microsoft.Orleans")
                    .AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
            })
            .WithTracing(t => t.AddSource(SiyuMetrics.ActivitySourceName, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation());
        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }
    }

    public static void MapSiyuOperations(this WebApplication app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = WriteAsync,
            // Degraded (ingest queue nearly full) still takes traffic: the API sheds with 429 itself.
            ResultStatusCodes = { [HealthStatus.Healthy] = 200, [HealthStatus.Degraded] = 200, [HealthStatus.Unhealthy] = 503 },
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString().ToLowerInvariant(), detail = e.Value.Description }),
        }));
    }

    private sealed class DatabaseCheck(IDbContextFactory<SiyuDb> dbs) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var db = await dbs.CreateDbContextAsync(cancellationToken);
                return await db.Database.CanConnectAsync(cancellationToken) && await db.Tenants.AnyAsync(cancellationToken)
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("no tenant yet (the database is not migrated or seeded)");
            }
            catch (Exception e) when (e is InvalidOperationException or DbUpdateException or System.Data.Common.DbException)
            {
                return HealthCheckResult.Unhealthy(e.GetType().Name);
            }
        }
    }

    private sealed class SiloCheck(ISiloStatusOracle silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(silo.CurrentStatus == SiloStatus.Active
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("silo " + silo.CurrentStatus.ToString().ToLowerInvariant()));
    }

    private sealed class IngestQueueCheck(IngestWriter writer, Partitions.PartitionDispatcher dispatcher, IngestOptions options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (queued, lag) = (writer.PendingEvents, dispatcher.PendingEntries);
            return Task.FromResult(queued + lag > options.MaxPendingEvents * 8 / 10
                ? HealthCheckResult.Degraded($"{queued} events queued, {lag} not yet applied by partitions (429 at {options.MaxPendingEvents} together)")
                : HealthCheckResult.Healthy($"{queued} events queued, {lag} not yet applied by partitions"));
        }
    }
}
