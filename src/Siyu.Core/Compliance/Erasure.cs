using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Core.Compliance;

/// <summary>
/// Anonymisation of one erased customer's stored events (PIPL deletion): what statistics need stays (event type, time,
/// amounts and other numbers, categories, channels, tag and journey ids), everything that describes or quotes the
/// person goes (attributes, free text, names, contact details, anything equal to one of their identifiers).
/// </summary>
public static class Erasure
{
    /// <summary>
    /// Text properties that classify an event rather than describe a person, kept so funnels, attribution, consent
    /// and tag history still read the same. Anything not listed is dropped: an allow-list fails safe when clients
    /// invent new property names.
    /// </summary>
    public static readonly IReadOnlySet<string> KeptTextProperties = new HashSet<string>(StringComparer.Ordinal)
    {
        "category", "currency", "channel", "topic", "source", "state", "staff_userid", "message_id", "journey_id", "variant",
        "step", "holdout", "stage", "status", "utm_source", "utm_medium", "utm_campaign", "campaign", "campaign_id", "coupon_id",
        "sku", "product_id", "template_id", "chat_id", "scene", "origin", "by", "manual", "merge_id", "survivor_id", "merged_id",
        "restored_id", "tag_id", "url", "page",
    };

    /// <summary>
    /// Numeric properties that place the person (a shared location): numbers are kept for statistics, but a precise
    /// position is sensitive personal information (PIPL art. 28) and goes with the person.
    /// </summary>
    public static readonly IReadOnlySet<string> LocationProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "lat", "lng", "lon", "latitude", "longitude", "accuracy", "altitude",
    };

    /// <summary>Order ids are replaced by a digest: refunds still net against their order, the shop's id no longer leads back.</summary>
    public const string OrderIdProperty = "order_id";

    /// <summary>
    /// The event's properties as kept after erasure (attributes are dropped whole by the caller). Numbers and booleans
    /// stay unless the name says personal information; listed text stays unless it equals one of the person's values;
    /// URLs lose their query string (tokens and phone numbers travel there); nested objects and arrays go.
    /// </summary>
    public static JsonObject? AnonymiseProperties(JsonObject? properties, IReadOnlySet<string> personalValues)
    {
        if (properties is null)
        {
            return null;
        }
        var kept = new JsonObject();
        foreach (var (name, value) in properties)
        {
            if (value is not JsonValue v || PiiMask.KindOf(name) != PiiMask.Kind.None || LocationProperties.Contains(name))
            {
                continue;
            }
            switch (v.GetValueKind())
            {
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    if (!personalValues.Contains(v.ToJsonString()))
                    {
                        kept[name] = v.DeepClone();
                    }
                    break;
                case JsonValueKind.String when name == OrderIdProperty:
                    kept[name] = Digest(v.GetValue<string>());
                    break;
                case JsonValueKind.String when KeptTextProperties.Contains(name):
                    var text = v.GetValue<string>();
                    if (name is "url" or "page")
                    {
                        var q = text.IndexOfAny(['?', '#']);
                        text = q >= 0 ? text[..q] : text;
                    }
                    if (!ContainsAny(text, personalValues))
                    {
                        kept[name] = text;
                    }
                    break;
            }
        }
        return kept;
    }

    /// <summary>A stable stand-in for a reference that must still match itself (an order id across payment and refund).</summary>
    public static string Digest(string value) =>
        "erased-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..16];

    private static bool ContainsAny(string text, IReadOnlySet<string> values)
    {
        foreach (var v in values)
        {
            if (v.Length >= 4 && text.Contains(v, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
