using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Messaging;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.Tenants;

namespace Siyu.Server.Messaging;

/// <summary>
/// Short links in outbound messages (<c>/l/{code}</c>): each link of each message to each customer gets an
/// unguessable code; a click records <c>message.clicked</c> on that customer's timeline and redirects to the URL.
/// </summary>
public sealed class LinkTracker(IDbContextFactory<SiyuDb> dbs, IngestWriter writer, SiyuOptions options, IServer server, TimeProvider time)
{
    private byte[]? _key;

    private byte[] Key => _key ??= LoadKey();

    private byte[] LoadKey()
    {
        if (options.LinkKey is { Length: > 0 } configured)
        {
            return Convert.FromBase64String(configured);
        }
        var file = Path.Combine(options.DataDirectory, "keys", "links.key");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }
        return Convert.FromBase64String(File.ReadAllText(file).Trim());
    }

    public string BaseUrl => options.PublicBaseUrl is { Length: > 0 } configured
        ? configured.TrimEnd('/')
        : server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.TrimEnd('/') ?? "http://localhost:5000";

    /// <summary>Rewrites the links of one message to one customer and remembers them; the same message id gives the same codes.</summary>
    public async Task<TrackedMessage> TrackAsync(int tenantId, string messageId, long customerId, string text, IReadOnlyList<string>? attachmentUrls = null)
    {
        var tracked = TrackedLinks.Rewrite(new LinkTrackingSettings(BaseUrl, Key), tenantId, messageId, text, attachmentUrls);
        if (tracked.Links.Count == 0)
        {
            return tracked;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var codes = tracked.Links.Select(l => l.Code).ToList();
        var known = await db.TrackedLinks.Where(l => codes.Contains(l.Code)).Select(l => l.Code).ToListAsync();
        db.TrackedLinks.AddRange(tracked.Links.Where(l => !known.Contains(l.Code)).Select(l => new TrackedLinkRow
        {
            Code = l.Code, TenantId = tenantId, MessageId = messageId, CustomerId = customerId, LinkIndex = l.Index, Url = l.Url,
            CreatedAtTicks = time.GetUtcNow().UtcTicks,
        }));
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // The same message tracked concurrently: its codes are already there.
        }
        return tracked;
    }

    /// <summary>The URL behind a code, after recording the click; null for an unknown code.</summary>
    public async Task<string?> ClickAsync(string code)
    {
        if (code.Length is < 6 or > 32)
        {
            return null;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var link = await db.TrackedLinks.AsNoTracking().FirstOrDefaultAsync(l => l.Code == code);
        if (link is null)
        {
            return null;
        }
        var now = time.GetUtcNow();
        // One event per link per second: a double tap or a link preview fetching twice is one click.
        await writer.AppendAsync(link.TenantId,
        [
            new IncomingEvent($"click:{code}:{now.ToUnixTimeSeconds()}", EventTypes.MessageClicked, now, [], link.CustomerId,
                new JsonObject { ["message_id"] = link.MessageId, ["url"] = link.Url, ["link_index"] = link.LinkIndex }, null, "siyu"),
        ]);
        return link.Url;
    }
}
