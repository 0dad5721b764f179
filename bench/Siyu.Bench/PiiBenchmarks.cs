using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Siyu.Core.Compliance;

namespace Siyu.Bench;

/// <summary>
/// What PII encryption adds to ingest per value: AES-256-GCM encrypt/decrypt of a phone and of a Chinese address,
/// the keyed hash of a phone, and protecting a typical profile's attribute JSON (parse, encrypt three fields, write).
/// </summary>
[MemoryDiagnoser]
public class PiiBenchmarks
{
    private const string Phone = "13912345678";
    private const string Address = "上海市浦东新区世纪大道100号3号楼1201室";
    private const string Attributes = """{"name":"韩梅梅","city":"上海","手机":"13912345678","id_card":"110101199001011234","收货地址":"上海市浦东新区世纪大道100号3号楼1201室","level":"gold"}""";
    private const string Plain = """{"order_id":"T1","amount":12.5,"category":"母婴"}""";

    private PiiProtector _pii = null!;
    private string _encryptedPhone = null!;
    private string _encryptedAddress = null!;
    private string _protectedAttributes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pii = new PiiProtector(new PiiCipher(new Dictionary<string, byte[]> { ["k1"] = RandomNumberGenerator.GetBytes(32) }, "k1"),
            new PiiHasher(RandomNumberGenerator.GetBytes(32)));
        _encryptedPhone = _pii.Cipher.Encrypt(Phone);
        _encryptedAddress = _pii.Cipher.Encrypt(Address);
        _protectedAttributes = _pii.ProtectJson(Attributes)!;
    }

    [Benchmark]
    public string EncryptPhone() => _pii.Cipher.Encrypt(Phone);

    [Benchmark]
    public string DecryptPhone() => _pii.Cipher.Decrypt(_encryptedPhone);

    [Benchmark]
    public string EncryptAddress() => _pii.Cipher.Encrypt(Address);

    [Benchmark]
    public string DecryptAddress() => _pii.Cipher.Decrypt(_encryptedAddress);

    [Benchmark]
    public string HashPhone() => _pii.Hasher.Hash(Phone);

    [Benchmark]
    public string? ProtectProfileAttributes() => _pii.ProtectJson(Attributes);

    [Benchmark]
    public string? ProtectJsonWithoutPii() => _pii.ProtectJson(Plain);

    [Benchmark]
    public System.Text.Json.Nodes.JsonObject? ReadProtectedAttributes() => _pii.ParseObject(_protectedAttributes);
}
