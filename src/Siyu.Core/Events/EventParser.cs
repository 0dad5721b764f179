using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Customers;

namespace Siyu.Core.Events;

/// <summary>
/// Validates one event of the ingest API and derives its idempotency key. Strict: unknown top-level
/// fields and unknown identifier types are errors, so a typo never silently drops data.
/// </summary>
public sealed class EventParser(EventParserOptions options)
{
    private static readonly HashSet<string> TopLevelFields = ["id", "type", "timestamp", "identifiers", "customer_id", "properties", "attributes"];

    public IncomingEvent? Parse(JsonElement element, string path, DateTimeOffset now, string source, List<FieldError> errors)
    {
        var errorCount = errors.Count;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(path, "An event must be a JSON object."));
            return null;
        }

        string? id = null, type = null;
        DateTimeOffset? timestamp = null;
        long? customerId = null;
        var identifiers = new List<(IdentifierType, string)>();
        JsonObject? properties = null, attributes = null;

        foreach (var field in element.EnumerateObject())
        {
            var fieldPath = $"{path}.{field.Name}";
            var value = field.Value;
            switch (field.Name)
            {
                case "id":
                    id = ReadString(value, fieldPath, 1, 128, errors);
                    break;
                case "type":
                    type = ReadString(value, fieldPath, 1, 64, errors);
                    if (type is not null && !EventTypes.IsValidName(type))
                    {
                        errors.Add(new FieldError(fieldPath, "Event type must be lower-case dotted words, e.g. 'order.paid' or 'course.completed'."));
                    }
                    else if (type is not null && EventTypes.Reserved.Contains(type))
                    {
                        errors.Add(new FieldError(fieldPath, $"'{type}' is written by Siyu itself and cannot be sent."));
                    }
                    break;
                case "timestamp":
                    timestamp = ReadTimestamp(value, fieldPath, now, errors);
                    break;
                case "customer_id":
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var cid) && cid > 0)
                    {
                        customerId = cid;
                    }
                    else
                    {
                        errors.Add(new FieldError(fieldPath, "customer_id must be a positive integer."));
                    }
                    break;
                case "identifiers":
                    ReadIdentifiers(value, fieldPath, identifiers, errors);
                    break;
                case "properties":
                    properties = ReadObject(value, fieldPath, errors);
                    break;
                case "attributes":
                    attributes = ReadObject(value, fieldPath, errors);
                    if (attributes is not null)
                    {
                        ValidateAttributes(attributes, fieldPath, errors);
                    }
                    break;
                default:
                    errors.Add(new FieldError(fieldPath, $"Unknown field '{field.Name}'. Allowed: {string.Join(", ", TopLevelFields)}."));
                    break;
            }
        }

        if (type is null && !HasError(errors, errorCount, $"{path}.type"))
        {
            errors.Add(new FieldError($"{path}.type", "type is required."));
        }
        if (identifiers.Count == 0 && customerId is null && !HasError(errors, errorCount, $"{path}.identifiers"))
        {
            errors.Add(new FieldError($"{path}.identifiers", "At least one identifier (external_userid, unionid, phone, email, platform_id, device_id) or customer_id is required."));
        }

        properties ??= [];
        if (type is EventTypes.OrderPaid or EventTypes.OrderRefunded)
        {
            ValidateOrder(properties, $"{path}.properties", errors);
        }

        if (errors.Count > errorCount)
        {
            return null;
        }

        var key = id is not null ? "id:" + id : DeriveKey(type!, timestamp, identifiers, customerId, properties);
        return new IncomingEvent(key, type!, timestamp ?? now, identifiers, customerId, properties, attributes, source);
    }

    private static bool HasError(List<FieldError> errors, int from, string path)
    {
        for (var i = from; i < errors.Count; i++)
        {
            if (errors[i].Path.StartsWith(path, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Without a client id, orders dedupe on their order id and other events on their full content
    /// including the timestamp, so a retried request never creates a second event.
    /// </summary>
    public static string DeriveKey(string type, DateTimeOffset? timestamp, IReadOnlyList<(IdentifierType Type, string RawValue)> identifiers, long? customerId, JsonObject properties)
    {
        if (type is EventTypes.OrderPaid or EventTypes.OrderRefunded && properties["order_id"] is JsonValue orderId)
        {
            return $"order:{type}:{orderId.ToJsonString()}";
        }
        var canonical = new StringBuilder();
        canonical.Append(type).Append('|');
        canonical.Append(timestamp?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? Guid.NewGuid().ToString("N")).Append('|');
        canonical.Append(customerId?.ToString(CultureInfo.InvariantCulture)).Append('|');
        foreach (var (t, v) in identifiers.OrderBy(i => i.Type).ThenBy(i => i.RawValue, StringComparer.Ordinal))
        {
            canonical.Append((int)t).Append('=').Append(v).Append(';');
        }
        canonical.Append('|').Append(properties.ToJsonString());
        return "sha:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))[..40];
    }

    private static string? ReadString(JsonElement value, string path, int min, int max, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(path, "Must be a string."));
            return null;
        }
        var s = value.GetString()!;
        if (s.Length < min || s.Length > max)
        {
            errors.Add(new FieldError(path, $"Must be {min}–{max} characters."));
            return null;
        }
        if (s.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL text cannot hold U+0000; refused here so it never fails a whole group commit there.
            errors.Add(new FieldError(path, "Must not contain the NUL character (U+0000)."));
            return null;
        }
        return s;
    }

    private DateTimeOffset? ReadTimestamp(JsonElement value, string path, DateTimeOffset now, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String ||
            !DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
        {
            errors.Add(new FieldError(path, "Must be an ISO-8601 date-time such as 2026-11-25T10:00:00+08:00."));
            return null;
        }
        if (ts > now + options.MaxFutureSkew)
        {
            errors.Add(new FieldError(path, $"Is more than {options.MaxFutureSkew.TotalMinutes:0} minutes in the future."));
            return null;
        }
        if (ts < options.Earliest)
        {
            errors.Add(new FieldError(path, $"Is before {options.Earliest:yyyy-MM-dd}."));
            return null;
        }
        return ts;
    }

    private static readonly IdentifierNormalizer Normalizer = new(new IdentityOptions());

    private static void ReadIdentifiers(JsonElement value, string path, List<(IdentifierType, string)> identifiers, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(path, "Must be an object such as {\"phone\": \"13800138000\"}."));
            return;
        }
        foreach (var id in value.EnumerateObject())
        {
            var idPath = $"{path}.{id.Name}";
            if (!IdentifierTypes.TryParseWireName(id.Name, out var idType))
            {
                errors.Add(new FieldError(idPath, $"Unknown identifier type. Allowed: {string.Join(", ", IdentifierTypes.All.Select(IdentifierTypes.WireName))}."));
                continue;
            }
            if (id.Value.ValueKind == JsonValueKind.String)
            {
                AddIdentifier(idType, id.Value.GetString()!, idPath, identifiers, errors);
            }
            else if (id.Value.ValueKind == JsonValueKind.Array && id.Value.GetArrayLength() <= 20)
            {
                var i = 0;
                foreach (var item in id.Value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        AddIdentifier(idType, item.GetString()!, $"{idPath}[{i}]", identifiers, errors);
                    }
                    else
                    {
                        errors.Add(new FieldError($"{idPath}[{i}]", "Must be a string."));
                    }
                    i++;
                }
            }
            else
            {
                errors.Add(new FieldError(idPath, "Must be a string or an array of at most 20 strings."));
            }
        }
        if (value.EnumerateObject().Any() && identifiers.Count > 0 && !identifiers.Any(i => Normalizer.TryNormalize(i.Item1, i.Item2, out _, out _)))
        {
            errors.Add(new FieldError(path, "No usable identifier: placeholder values such as 0, null, anonymous or 00000000000 are never used for matching."));
        }
    }

    private static void AddIdentifier(IdentifierType type, string value, string path, List<(IdentifierType, string)> identifiers, List<FieldError> errors)
    {
        if (value.Length is 0 or > 256)
        {
            errors.Add(new FieldError(path, "Must be 1–256 characters."));
            return;
        }
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new FieldError(path, "Must not contain the NUL character (U+0000)."));
            return;
        }
        if (!Normalizer.TryNormalize(type, value, out _, out var reason) && reason == IgnoredReason.Invalid)
        {
            errors.Add(new FieldError(path, type switch
            {
                IdentifierType.Phone => "Not a phone number (digits, optionally with +86, spaces or dashes).",
                IdentifierType.Email => "Not an email address.",
                IdentifierType.PlatformId => "Must be 'platform:id', e.g. 'taobao:buyer123'.",
                _ => "Must be at most 128 characters.",
            }));
            return;
        }
        identifiers.Add((type, value));
    }

    private static JsonObject? ReadObject(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(path, "Must be a JSON object."));
            return null;
        }
        // Clone: the node must outlive the request's JsonDocument (a node over the original element would not).
        return JsonObject.Create(value.Clone());
    }

    private static void ValidateAttributes(JsonObject attributes, string path, List<FieldError> errors)
    {
        foreach (var (name, node) in attributes)
        {
            if (!AttributeSchema.IsValidName(name))
            {
                errors.Add(new FieldError($"{path}.{name}", "Attribute names are letters (any script, e.g. 会员等级), digits and underscores, starting with a letter (max 64)."));
            }
            else if (node is JsonObject or JsonArray)
            {
                errors.Add(new FieldError($"{path}.{name}", "Attribute values must be a string, number, boolean or null."));
            }
            else if (AttributeSchema.StrategyOf(name) == MergeStrategy.Sum && node is not null && !(node is JsonValue v && v.TryGetValue<double>(out _)))
            {
                errors.Add(new FieldError($"{path}.{name}", "This attribute is summed and must be a number."));
            }
        }
    }

    private static void ValidateOrder(JsonObject properties, string path, List<FieldError> errors)
    {
        if (properties["order_id"] is not JsonValue orderId || !orderId.TryGetValue<string>(out var oid) || oid.Length is 0 or > 128)
        {
            errors.Add(new FieldError($"{path}.order_id", "Orders need properties.order_id (a string of 1–128 characters)."));
        }
        if (properties["amount"] is not JsonValue amount || !amount.TryGetValue<double>(out var a) || a < 0 || double.IsNaN(a) || a > 1e12)
        {
            errors.Add(new FieldError($"{path}.amount", "Orders need properties.amount, a non-negative number in yuan."));
        }
        if (properties["category"] is { } category && !(category is JsonValue c && c.TryGetValue<string>(out _)))
        {
            errors.Add(new FieldError($"{path}.category", "Must be a string."));
        }
    }
}

public sealed record EventParserOptions
{
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromMinutes(5);
    public DateTimeOffset Earliest { get; init; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
