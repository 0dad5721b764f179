using Microsoft.Extensions.Configuration;
using Siyu.Server.Compliance;

namespace Siyu.Server.Tests.Compliance;

/// <summary>Key configuration is checked at startup, and a mistake names the setting at fault.</summary>
public sealed class PiiKeysTests
{
    private static readonly string Key = Convert.ToBase64String(new byte[32]);

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static string Fails(IConfiguration config, bool production = false) =>
        Assert.Throws<InvalidOperationException>(() => PiiKeys.Load(config, Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N")), production)).Message;

    [Fact]
    public void A_key_of_the_wrong_length_is_named()
    {
        var message = Fails(Config(("Siyu:Pii:Keys:k1", Convert.ToBase64String(new byte[16])), ("Siyu:Pii:ActiveKey", "k1"), ("Siyu:Pii:HashKey", Key)));
        Assert.Contains("Siyu:Pii:Keys:k1", message, StringComparison.Ordinal);
        Assert.Contains("16 bytes", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_active_key_that_is_not_configured_is_named()
    {
        var message = Fails(Config(("Siyu:Pii:Keys:k1", Key), ("Siyu:Pii:ActiveKey", "k2"), ("Siyu:Pii:HashKey", Key)));
        Assert.Contains("Siyu:Pii:ActiveKey", message, StringComparison.Ordinal);
        Assert.Contains("'k2'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_hash_key_is_named() =>
        Assert.Contains("Siyu:Pii:HashKey", Fails(Config(("Siyu:Pii:Keys:k1", Key), ("Siyu:Pii:ActiveKey", "k1"))), StringComparison.Ordinal);

    [Fact]
    public void Declared_production_without_keys_refuses_to_start_naming_the_settings()
    {
        var message = Fails(Config(), production: true);
        Assert.Contains("Siyu:Pii:Keys", message, StringComparison.Ordinal);
        Assert.Contains("Siyu:Pii:ActiveKey", message, StringComparison.Ordinal);
        Assert.Contains("Siyu:Pii:HashKey", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_configuration_a_key_file_is_generated_once_and_reused()
    {
        var dir = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
        var first = PiiKeys.Load(Config(), dir, declaredProduction: false);
        Assert.Equal(Path.Combine(dir, "keys", PiiKeys.FileName), first.GeneratedFile);
        var written = File.ReadAllText(first.GeneratedFile!);
        var second = PiiKeys.Load(Config(), dir, declaredProduction: false);
        Assert.Equal(written, File.ReadAllText(second.GeneratedFile!));
        Assert.Equal("13912345678", second.Protector.Cipher.Decrypt(first.Protector.Cipher.Encrypt("13912345678")));
        Assert.Equal(first.Protector.Hasher.Hash("x"), second.Protector.Hasher.Hash("x"));
    }
}
