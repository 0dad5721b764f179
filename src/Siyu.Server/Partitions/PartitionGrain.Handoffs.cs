using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Handoffs;

namespace Siyu.Server.Partitions;

/// <summary>
/// Sensitive-topic interception (转人工): every customer text (<c>message.received</c>) goes to the handoff service after
/// the batch, which opens a handoff or adds to the open one. Replays hand the same messages again; the service is
/// idempotent by the message's log seq. While <see cref="CustomerProfile.HandoffOpen"/>, journeys hold for the customer.
/// </summary>
public sealed partial class PartitionGrain
{
    private readonly List<HandoffCandidate> _handoffCandidates = [];

    private void HandoffsOnEvent(CustomerProfile profile, ProfileEvent e)
    {
        if (e.Type != EventTypes.MessageReceived || Text(e.Properties?["text"]) is not { Length: > 0 } text)
        {
            return;
        }
        if (e.TimestampTicks < time.GetUtcNow().UtcTicks - HandoffService.FreshMessage.Ticks)
        {
            return; // history, not a conversation happening now
        }
        var staff = Text(e.Properties?["staff_userid"]) ?? profile.Staff.Keys.FirstOrDefault();
        _handoffCandidates.Add(new HandoffCandidate(profile.CustomerId, e.Seq, e.TimestampTicks, text, Text(e.Properties?["msgid"]), staff, profile.DisplayName));
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private async Task RaiseHandoffsAsync()
    {
        if (_handoffCandidates.Count == 0)
        {
            return;
        }
        var candidates = _handoffCandidates.ToList();
        _handoffCandidates.Clear();
        try
        {
            await ServiceProvider.GetRequiredService<HandoffService>().RaiseAsync(_tenantId, candidates);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogHandoffFailed(logger, e, _tenantId, _partition, candidates.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Raising handoffs for {Count} messages of partition {Tenant}/{Partition} failed")]
    private static partial void LogHandoffFailed(ILogger logger, Exception e, int tenant, int partition, int count);
}
