using System.Text.Json;
using System.Text.Json.Serialization;

namespace Siyu.WeCom.Tests.Callbacks;

/// <summary>One official WeCom crypto vector (see official_crypto_vectors.json for provenance).</summary>
public sealed record CryptoVector
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("encoding_aes_key")] public required string EncodingAesKey { get; init; }
    [JsonPropertyName("receive_id")] public required string ReceiveId { get; init; }
    [JsonPropertyName("msg_signature")] public required string MsgSignature { get; init; }
    [JsonPropertyName("timestamp")] public required string Timestamp { get; init; }
    [JsonPropertyName("nonce")] public required string Nonce { get; init; }
    [JsonPropertyName("echostr")] public string? EchoStr { get; init; }
    [JsonPropertyName("post_body")] public string? PostBody { get; init; }
    [JsonPropertyName("expected_plaintext")] public string? ExpectedPlaintext { get; init; }
    [JsonPropertyName("expected_pad_byte")] public int? ExpectedPadByte { get; init; }

    /// <summary>The Encrypt value (echostr, or the Encrypt element of the POST body).</summary>
    public string Encrypt => Kind == "verify_url"
        ? EchoStr!
        : System.Xml.Linq.XElement.Parse(PostBody!).Element("Encrypt")!.Value;

    public override string ToString() => Name;

    public static IReadOnlyList<CryptoVector> All { get; } = Load();

    public static IEnumerable<object[]> Names => All.Select(v => new object[] { v.Name });

    public static CryptoVector Named(string name) => All.Single(v => v.Name == name);

    private static IReadOnlyList<CryptoVector> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Callbacks", "official_crypto_vectors.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("vectors").Deserialize<List<CryptoVector>>()!;
    }
}
