using System.Diagnostics;
using System.Diagnostics.Metrics;
using Siyu.Server.Ingest;
using Siyu.Server.Partitions;

namespace Siyu.Server.Operations;

/// <summary>
/// Siyu's own instruments (meter <c>Siyu</c>), exported by OpenTelemetry with the ASP.NET Core, HttpClient, runtime and
/// Orleans ones: ingest rate and shedding, the ingest queue, partition lag, journey timer lateness, delivery outcomes.
/// WeCom API errors are counted by the WeCom client itself (meter <c>Siyu.WeCom</c>).
/// </summary>
public sealed class SiyuMetrics
{
    public const string MeterName = "Siyu";
    public const string ActivitySourceName = "Siyu";

    /// <summary>Spans of Siyu's own work (group commits of the event log).</summary>
    public static readonly ActivitySource Activities = new(ActivitySourceName);

    private readonly Counter<long> _eventsAppended;
    private readonly Counter<long> _eventsShed;
    private readonly Histogram<double> _commitSeconds;
    private readonly Histogram<double> _timerLateness;
    private readonly Counter<long> _deliveryOutcomes;

    public SiyuMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName);
        _eventsAppended = meter.CreateCounter<long>("siyu.ingest.events", "{event}", "Events committed to the event log (new, not duplicates).");
        _eventsShed = meter.CreateCounter<long>("siyu.ingest.shed", "{event}", "Events refused with 429 because the ingest queue was full.");
        _commitSeconds = meter.CreateHistogram<double>("siyu.ingest.commit.duration", "s", "Time of one group commit (one transaction for many requests).");
        _timerLateness = meter.CreateHistogram<double>("siyu.journeys.timer.lateness", "s", "How long after its due time a journey wait fired.");
        _deliveryOutcomes = meter.CreateCounter<long>("siyu.delivery.outcomes", "{message}", "Outbound messages by channel and outcome (sent, deferred, excluded, failed, ...).");
        // Read on collection only; resolved lazily because the writer and the dispatcher take this class themselves.
        meter.CreateObservableGauge("siyu.ingest.pending", () => services.GetRequiredService<IngestWriter>().PendingEvents, "{event}",
            "Events accepted by the API and not yet committed (the 429 threshold is Siyu:MaxPendingEvents).");
        meter.CreateObservableGauge("siyu.partitions.lag", () => services.GetRequiredService<PartitionDispatcher>().PendingEntries, "{event}",
            "Committed events not yet applied by their partition (summed over partitions).");
    }

    public void EventsAppended(int tenantId, int count) => _eventsAppended.Add(count, new KeyValuePair<string, object?>("tenant", tenantId));

    public void EventsShed(int tenantId, int count) => _eventsShed.Add(count, new KeyValuePair<string, object?>("tenant", tenantId));

    public void CommitTook(TimeSpan elapsed) => _commitSeconds.Record(elapsed.TotalSeconds);

    public void TimerFired(TimeSpan late) => _timerLateness.Record(Math.Max(0, late.TotalSeconds));

    public void DeliveryOutcome(string channel, string status) =>
        _deliveryOutcomes.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", status));
}
