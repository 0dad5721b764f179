using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class PiiProtectorTests
{
    private static readonly byte[] K1 = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] K2 = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] HashKey = RandomNumberGenerator.GetBytes(32);

    private static PiiProtector Protector(string active = "k1") =>
        new(new PiiCipher(new Dictionary<string, byte[]> { ["k1"] = K1, ["k2"] = K2 }, active), new PiiHasher(HashKey));

    [Fact]
    public void Only_pii_named_fields_are_encrypted_at_any_depth_and_come_back_with_their_type()
    {
        var p = Protector();
        const string json = """{"name":"李雷","city":"上海","手机":"13912345678","id_card":"110101199001011234","amount":12.5,"shipping":{"收货地址":"上海市浦东新区世纪大道100号","zip":"200120"},"mobile_number":13912345678,"home_address":{"street":"世纪大道"}}""";
        var stored = p.ProtectJson(json)!;
        foreach (var secret in new[] { "13912345678", "110101199001011234", "世纪大道" })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
        var node = JsonNode.Parse(stored)!;
        Assert.Equal("李雷", node["name"]!.GetValue<string>());
        Assert.Equal("上海", node["city"]!.GetValue<string>());
        Assert.Equal(12.5, node["amount"]!.GetValue<double>());
        Assert.Equal("200120", node["shipping"]!["zip"]!.GetValue<string>());
        Assert.StartsWith("enc:v1:k1:", node["手机"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(p.UnprotectJson(stored)!)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), p.ParseObject(stored)));
    }

    [Fact]
    public void Json_without_personal_fields_is_returned_as_is()
    {
        const string json = """{"order_id":"T1","amount":12.5}""";
        Assert.Same(json, Protector().ProtectJson(json));
        Assert.Same(json, Protector().UnprotectJson(json));
    }

    [Fact]
    public void Protecting_twice_does_not_encrypt_again()
    {
        var p = Protector();
        var once = p.ProtectJson("""{"phone":"13912345678"}""")!;
        Assert.Same(once, p.ProtectJson(once));
    }

    [Fact]
    public void Reencrypt_moves_old_ciphertexts_to_the_active_key_and_counts_per_key()
    {
        var stored = Protector("k1").ProtectJson("""{"phone":"13912345678","address":"上海市","city":"上海"}""")!;
        var counts = new Dictionary<string, long>();
        PiiProtector.CountKeyIds(stored, counts);
        Assert.Equal(2, counts["k1"]);

        var p2 = Protector("k2");
        var rotated = p2.ReencryptJson(stored)!;
        Assert.DoesNotContain("enc:v1:k1:", rotated, StringComparison.Ordinal);
        Assert.Null(p2.ReencryptJson(rotated)); // nothing left to do
        Assert.Equal("13912345678", p2.ParseObject(rotated)!["phone"]!.GetValue<string>());
    }

    [Fact]
    public void Legacy_plaintext_blobs_pass_through_and_new_ones_are_encrypted()
    {
        var p = Protector();
        var legacy = new byte[] { 0x1b, 0x02, 0x03 };
        Assert.Equal(legacy, p.UnprotectBlob(legacy));
        var stored = p.ProtectBlob(legacy);
        Assert.NotEqual(legacy, stored);
        Assert.Equal(legacy, p.UnprotectBlob(stored));
    }

    [Fact]
    public void The_identity_graph_indexes_personal_identifiers_by_keyed_hash_only()
    {
        var p = Protector();
        var graph = new IdentityGraph(new IdentityOptions(), 1, p.IndexValue);
        graph.Load([], [], [], 1);
        var first = graph.Resolve([(IdentifierType.Phone, "+86 139-1234-5678"), (IdentifierType.ExternalUserId, "wm_1")], 1);
        var phone = Assert.Single(first.Attached, i => i.Type == IdentifierType.Phone);
        Assert.Equal(new PiiHasher(HashKey).Hash("13912345678"), phone.Value);
        Assert.Equal("wm_1", Assert.Single(first.Attached, i => i.Type == IdentifierType.ExternalUserId).Value);
        // Another spelling of the same number resolves to the same customer.
        Assert.Equal(first.CustomerId, graph.Resolve([(IdentifierType.Phone, "13912345678")], 2).CustomerId);
        Assert.Equal(first.CustomerId, graph.Find(IdentifierType.Phone, "139 1234 5678"));
    }
}
