using Siyu.Core.Customers;
using Siyu.Server.Partitions;
using Siyu.WeCom.Api;

namespace Siyu.Server.WeCom;

/// <summary>
/// Siyu → WeCom half of the two-way tag sync: tagging a customer in Siyu with a tag linked to a WeCom corp tag marks
/// it on every relation the customer has with staff (<c>mark_tag</c>), so staff see it in the WeCom client. WeCom
/// sends no callback for API changes, so nothing echoes back. Runs off the request path; failures are logged.
/// </summary>
public sealed partial class WeComTagPush(WeComConnections connections, Tags.TagCatalog tags, Customers.CustomerReader reader, ILogger<WeComTagPush> logger)
{
    public void Push(int tenantId, IReadOnlyList<TagChange> changes)
    {
        var linked = changes.Where(c => tags.Find(tenantId, c.TagId)?.WeComTagId is not null).ToList();
        if (linked.Count == 0 || connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            return;
        }
        _ = Task.Run(() => PushAsync(tenantId, connection, linked));
    }

    private async Task PushAsync(int tenantId, WeComConnection connection, List<TagChange> changes)
    {
        var api = connections.Client(connection);
        foreach (var customer in changes.GroupBy(c => c.CustomerId))
        {
            try
            {
                if (await reader.GetAsync(tenantId, customer.Key) is not { } detail)
                {
                    continue;
                }
                var externalIds = detail.Identifiers.Where(i => i.Type == IdentifierTypes.WireName(IdentifierType.ExternalUserId)).Select(i => i.Value).ToList();
                var add = customer.Where(c => c.Add).Select(c => tags.Find(tenantId, c.TagId)!.WeComTagId!).ToList();
                var remove = customer.Where(c => !c.Add).Select(c => tags.Find(tenantId, c.TagId)!.WeComTagId!).ToList();
                foreach (var externalUserId in externalIds)
                {
                    foreach (var staff in detail.Profile.Staff.Keys)
                    {
                        await api.MarkTagAsync(staff, externalUserId, add.Count > 0 ? add : null, remove.Count > 0 ? remove : null);
                    }
                }
            }
            catch (Exception e) when (e is WeComApiException or HttpRequestException)
            {
                LogPushFailed(logger, e, customer.Key);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing tag changes of customer {Customer} to WeCom failed")]
    private static partial void LogPushFailed(ILogger logger, Exception e, long customer);
}
