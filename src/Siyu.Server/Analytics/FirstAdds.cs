using Siyu.Core.Events;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>Each customer's first WeCom add (in time) and the channel code it came through — cohorts and the funnel's channel breakdown.</summary>
internal static class FirstAdds
{
    public const string NoChannel = "自然添加";

    public static Dictionary<long, (long Ticks, string Channel)> Read(EventStore store, int tenantId, long untilTicks)
    {
        var first = new Dictionary<long, (long, string)>();
        foreach (var e in store.ReadOfTypes(tenantId, [EventTypes.CustomerAdded], long.MinValue, untilTicks, EventOrder.Time))
        {
            if (!first.ContainsKey(e.CustomerId))
            {
                first[e.CustomerId] = (e.TimestampTicks, e.ParseProperties()?["channel"]?.GetValue<string>() is { Length: > 0 } channel ? channel : NoChannel);
            }
        }
        return first;
    }
}
