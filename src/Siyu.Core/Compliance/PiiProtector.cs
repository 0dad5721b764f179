using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;

namespace Siyu.Core.Compliance;

/// <summary>
/// What is stored how: personal identifiers (the types <see cref="PiiMask"/> classifies) are indexed by keyed hash
/// with an encrypted copy for display; in event JSON only the values of PII-named fields are encrypted (so every
/// other field stays queryable as before); snapshot blobs are encrypted whole. Reads accept legacy plaintext, so a
/// database upgrades row by row.
/// </summary>
public sealed class PiiProtector(PiiCipher cipher, PiiHasher hasher)
{
    private const string JsonMarker = "\"" + PiiCipher.Prefix;

    public PiiCipher Cipher { get; } = cipher;

    public PiiHasher Hasher { get; } = hasher;

    public static bool IsPersonal(IdentifierType type) => PiiMask.KindOfIdentifier(IdentifierTypes.WireName(type)) != PiiMask.Kind.None;

    /// <summary>The value the identity index keys a normalised identifier by: its keyed hash when personal, else itself.</summary>
    public string IndexValue(IdentifierType type, string normalized) => IsPersonal(type) ? Hasher.Hash(normalized) : normalized;

    /// <summary>
    /// Encrypts the values of PII-named fields, at any depth (an <c>address</c> object goes whole). The value's JSON
    /// is encrypted, so numbers and objects come back with their type. Returns the input itself when nothing is
    /// personal or everything already is encrypted.
    /// </summary>
    public string? ProtectJson(string? json)
    {
        if (json is null || !MayHavePersonalField(json))
        {
            return json;
        }
        var node = JsonNode.Parse(json);
        return node is not null && Protect(node) ? node.ToJsonString(JsonStorage.Options) : json;
    }

    /// <summary>Encrypts in place; true when something changed.</summary>
    public bool Protect(JsonNode node)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is null)
                    {
                        continue;
                    }
                    if (PiiMask.KindOf(name) != PiiMask.Kind.None)
                    {
                        if (!(value is JsonValue v && v.TryGetValue<string>(out var s) && PiiCipher.IsEncrypted(s)))
                        {
                            obj[name] = Cipher.Encrypt(value.ToJsonString(JsonStorage.Options));
                            changed = true;
                        }
                    }
                    else
                    {
                        changed |= Protect(value);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        changed |= Protect(item);
                    }
                }
                break;
        }
        return changed;
    }

    /// <summary>The stored JSON with every ciphertext replaced by its value; the input itself when there is none.</summary>
    public string? UnprotectJson(string? json)
    {
        if (json is null || !json.Contains(JsonMarker, StringComparison.Ordinal))
        {
            return json;
        }
        var node = JsonNode.Parse(json)!;
        return Map(node, Cipher.Decrypt, parse: true) is { } replaced ? replaced.ToJsonString(JsonStorage.Options) : node.ToJsonString(JsonStorage.Options);
    }

    /// <summary>Parses stored JSON into an object with plaintext values (what the partitions and the API work on).</summary>
    public JsonObject? ParseObject(string? json)
    {
        if (json is null)
        {
            return null;
        }
        var node = JsonNode.Parse(json);
        if (node is not null && json.Contains(JsonMarker, StringComparison.Ordinal))
        {
            node = Map(node, Cipher.Decrypt, parse: true) ?? node;
        }
        return node as JsonObject;
    }

    /// <summary>Re-encrypts every ciphertext not under the active key; null when there is none.</summary>
    public string? ReencryptJson(string? json)
    {
        if (json is null || !json.Contains(JsonMarker, StringComparison.Ordinal))
        {
            return null;
        }
        var node = JsonNode.Parse(json)!;
        var changed = false;
        Map(node, s =>
        {
            if (!Cipher.NeedsRotation(s))
            {
                return s;
            }
            changed = true;
            return Cipher.Reencrypt(s);
        }, parse: false);
        return changed ? node.ToJsonString(JsonStorage.Options) : null;
    }

    /// <summary>Adds, per key id, how many ciphertext values the JSON holds.</summary>
    public static void CountKeyIds(string? json, Dictionary<string, long> counts)
    {
        if (json is null)
        {
            return;
        }
        for (var at = json.IndexOf(JsonMarker, StringComparison.Ordinal); at >= 0; at = json.IndexOf(JsonMarker, at + 1, StringComparison.Ordinal))
        {
            var start = at + JsonMarker.Length;
            var end = json.IndexOf(':', start);
            if (end > start)
            {
                var kid = json[start..end];
                counts[kid] = counts.GetValueOrDefault(kid) + 1;
            }
        }
    }

    /// <summary>A snapshot blob as stored: encrypted whole.</summary>
    public byte[] ProtectBlob(byte[] data) => Cipher.EncryptBytes(data);

    /// <summary>A stored snapshot blob back to its bytes; a legacy plaintext blob passes through.</summary>
    public byte[] UnprotectBlob(byte[] stored) => PiiCipher.IsEncrypted(stored) ? Cipher.DecryptBytes(stored) : stored;

    /// <summary>
    /// Cheap pre-check before parsing: PiiMask matches names by these fragments, so JSON without any of them has no
    /// personal field. Case-insensitive like <see cref="PiiMask.KindOf"/>.
    /// </summary>
    private static bool MayHavePersonalField(string json)
    {
        ReadOnlySpan<string> fragments = ["phone", "mobile", "手机", "电话", "id_card", "idcard", "身份证", "bank", "银行卡", "address", "地址", "email", "邮箱"];
        foreach (var f in fragments)
        {
            if (json.Contains(f, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Replaces ciphertext strings in place; returns a replacement when the root itself was one.</summary>
    private static JsonNode? Map(JsonNode node, Func<string, string> map, bool parse)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is not null && Map(value, map, parse) is { } replaced)
                    {
                        obj[name] = replaced;
                    }
                }
                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item && Map(item, map, parse) is { } replaced)
                    {
                        array[i] = replaced;
                    }
                }
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is var s && PiiCipher.IsEncrypted(s):
                var mapped = map(s);
                return ReferenceEquals(mapped, s) ? null : parse ? JsonNode.Parse(mapped) : JsonValue.Create(mapped);
            default:
                return null;
        }
    }
}
