using System.Security.Cryptography;
using System.Text.Json;
using Siyu.Core.Compliance;

namespace Siyu.Server.Compliance;

/// <summary>
/// Where the PII keys come from: configuration (<c>Siyu:Pii:Keys:{kid}</c>, <c>Siyu:Pii:ActiveKey</c>,
/// <c>Siyu:Pii:HashKey</c>), never the database, so a copy of the database alone reveals nothing. Without
/// configuration (the one-command demo start) a key file is generated once under the data directory; an environment
/// explicitly declared Production refuses that and does not start.
/// </summary>
public static class PiiKeys
{
    public const string Section = "Siyu:Pii";
    public const string FileName = "pii-keys.json";

    /// <summary>How the keys were obtained (for the startup warning).</summary>
    public sealed record Source(PiiProtector Protector, string? GeneratedFile);

    /// <param name="declaredProduction">True when the environment was explicitly set to Production (not merely defaulted).</param>
    /// <exception cref="InvalidOperationException">The configuration is incomplete or wrong; the message names the setting.</exception>
    public static Source Load(IConfiguration configuration, string dataDirectory, bool declaredProduction)
    {
        var section = configuration.GetSection(Section);
        var keys = section.GetSection("Keys").GetChildren().ToList();
        var active = section["ActiveKey"];
        var hash = section["HashKey"];
        if (keys.Count == 0 && string.IsNullOrEmpty(active) && string.IsNullOrEmpty(hash))
        {
            if (declaredProduction)
            {
                throw new InvalidOperationException(
                    "No PII encryption keys are configured and the environment is Production. Set Siyu:Pii:Keys:{kid} (base64 of 32 random bytes, "
                    + "e.g. `openssl rand -base64 32`), Siyu:Pii:ActiveKey (one of the kids) and Siyu:Pii:HashKey (base64 of 32 random bytes), "
                    + "e.g. Siyu__Pii__Keys__k1, Siyu__Pii__ActiveKey=k1, Siyu__Pii__HashKey in the environment.");
            }
            var file = Path.Combine(dataDirectory, "keys", FileName);
            return new Source(FromFile(file), file);
        }
        var ring = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            ring[k.Key] = Base64Key($"Siyu:Pii:Keys:{k.Key}", k.Value, exact: true);
        }
        if (ring.Count == 0)
        {
            throw new InvalidOperationException("Siyu:Pii:Keys is empty: configure at least one key, Siyu:Pii:Keys:{kid} = base64 of 32 random bytes.");
        }
        if (string.IsNullOrEmpty(active))
        {
            throw new InvalidOperationException($"Siyu:Pii:ActiveKey is not set: name the key new values are encrypted with (one of {string.Join(", ", ring.Keys)}).");
        }
        if (!ring.ContainsKey(active))
        {
            throw new InvalidOperationException($"Siyu:Pii:ActiveKey is '{active}', but there is no Siyu:Pii:Keys:{active} (configured: {string.Join(", ", ring.Keys)}).");
        }
        var bad = ring.Keys.FirstOrDefault(kid => !PiiCipher.IsValidKeyId(kid));
        if (bad is not null)
        {
            throw new InvalidOperationException($"Siyu:Pii:Keys:{bad}: key ids are 1–32 letters, digits, '-' or '_'.");
        }
        var hashKey = Base64Key("Siyu:Pii:HashKey", hash, exact: false);
        return new Source(new PiiProtector(new PiiCipher(ring, active), new PiiHasher(hashKey)), null);
    }

    private static byte[] Base64Key(string setting, string? value, bool exact)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException($"{setting} is not set: give base64 of 32 random bytes (`openssl rand -base64 32`).");
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{setting} is not valid base64: give base64 of 32 random bytes (`openssl rand -base64 32`).");
        }
        if (exact ? bytes.Length != PiiCipher.KeySize : bytes.Length < PiiHasher.MinKeySize)
        {
            throw new InvalidOperationException($"{setting} decodes to {bytes.Length} bytes; it must be {(exact ? "exactly" : "at least")} 32 (`openssl rand -base64 32`).");
        }
        return bytes;
    }

    private sealed record KeyFile(string ActiveKey, Dictionary<string, string> Keys, string HashKey);

    private static readonly JsonSerializerOptions FileJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>Reads the generated key file, creating it (owner read/write only) on first use.</summary>
    private static PiiProtector FromFile(string file)
    {
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var generated = new KeyFile("k1", new() { ["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            var temp = file + ".tmp";
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var stream = new FileStream(temp, create))
            {
                JsonSerializer.Serialize(stream, generated, FileJson);
            }
            // Never replace a file another process wrote meanwhile: its keys may already protect data.
            try
            {
                File.Move(temp, file, overwrite: false);
            }
            catch (IOException) when (File.Exists(file))
            {
                File.Delete(temp);
            }
        }
        var keys = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(file), FileJson)
            ?? throw new InvalidOperationException($"{file} is empty; restore it from backup (it holds the keys of the stored personal data).");
        try
        {
            return new PiiProtector(
                new PiiCipher(keys.Keys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value)), keys.ActiveKey),
                new PiiHasher(Convert.FromBase64String(keys.HashKey)));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new InvalidOperationException($"{file} is invalid: {e.Message}", e);
        }
    }
}
