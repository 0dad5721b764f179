using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Siyu.Core.Compliance;

/// <summary>The fields of one audit entry that its hash covers, plus the stored id and hashes the verifier checks.</summary>
public readonly record struct AuditLink(
    long Id, int TenantId, long Seq, long AtTicks, string Actor, string Action, string? Target, string? Detail, string PrevHash, string Hash);

/// <summary>Why a chain is broken at an entry.</summary>
public enum AuditBreak
{
    /// <summary>The sequence number is not the previous one plus one: a row was deleted, inserted or moved.</summary>
    SequenceGap,
    /// <summary>The stored previous hash is not the hash of the entry before: a row before it was removed or reordered.</summary>
    PrevHashMismatch,
    /// <summary>The stored hash is not the hash of the entry's fields: the row was edited.</summary>
    HashMismatch,
}

/// <summary>The outcome of walking a chain: intact (with its length and head hash to anchor elsewhere), or the first broken entry.</summary>
public sealed record AuditVerification(bool Ok, long Count, string HeadHash, long? BrokenId, long? BrokenSeq, AuditBreak? Reason)
{
    /// <summary>Position (1-based) of the broken entry in the walk, for 「第 N 条被篡改」.</summary>
    public long? BrokenPosition { get; init; }
}

/// <summary>
/// Tamper-evident audit chain per tenant. Entry n's hash is SHA-256 over a canonical encoding of
/// <c>"siyu.audit.v1", tenant, seq, at ticks, actor, action, target, detail, previous hash</c>: every text field is its
/// UTF-8 bytes prefixed with their length as a 4-byte big-endian integer (null counts as empty), every number is 8 bytes
/// big-endian, the previous hash is its 32 raw bytes (all zero for the first entry, seq 1). Length prefixes make the
/// encoding unambiguous: ("ab","c") and ("a","bc") never share bytes. Hashes are stored as lowercase hex.
/// </summary>
public static class AuditChain
{
    public const string Version = "siyu.audit.v1";

    /// <summary>The previous hash of the first entry: 32 zero bytes.</summary>
    public static readonly string Genesis = new('0', 64);

    public static byte[] Encode(int tenantId, long seq, long atTicks, string actor, string action, string? target, string? detail, string prevHash)
    {
        var prev = Convert.FromHexString(prevHash);
        if (prev.Length != 32)
        {
            throw new ArgumentException("A previous hash is 32 bytes (64 hex digits).", nameof(prevHash));
        }
        var buffer = new List<byte>(256);
        Text(buffer, Version);
        Number(buffer, tenantId);
        Number(buffer, seq);
        Number(buffer, atTicks);
        Text(buffer, actor);
        Text(buffer, action);
        Text(buffer, target);
        Text(buffer, detail);
        Length(buffer, prev.Length);
        buffer.AddRange(prev);
        return [.. buffer];
    }

    public static string Hash(int tenantId, long seq, long atTicks, string actor, string action, string? target, string? detail, string prevHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encode(tenantId, seq, atTicks, actor, action, target, detail, prevHash)));

    public static string Hash(in AuditLink e) => Hash(e.TenantId, e.Seq, e.AtTicks, e.Actor, e.Action, e.Target, e.Detail, e.PrevHash);

    /// <summary>The entry that follows <paramref name="prevSeq"/>/<paramref name="prevHash"/> (seq 0 and <see cref="Genesis"/> for an empty chain).</summary>
    public static AuditLink Next(long prevSeq, string prevHash, long id, int tenantId, long atTicks, string actor, string action, string? target, string? detail)
    {
        var seq = prevSeq + 1;
        return new AuditLink(id, tenantId, seq, atTicks, actor, action, target, detail, prevHash,
            Hash(tenantId, seq, atTicks, actor, action, target, detail, prevHash));
    }

    /// <summary>Walks one tenant's entries in sequence order and reports the first broken link.</summary>
    public static AuditVerification Verify(IEnumerable<AuditLink> entries)
    {
        long expected = 1;
        var prev = Genesis;
        foreach (var e in entries)
        {
            AuditBreak? reason =
                e.Seq != expected ? AuditBreak.SequenceGap
                : !string.Equals(e.PrevHash, prev, StringComparison.Ordinal) ? AuditBreak.PrevHashMismatch
                : !IsHex64(e.PrevHash) || !string.Equals(Hash(e), e.Hash, StringComparison.Ordinal) ? AuditBreak.HashMismatch
                : null;
            if (reason is not null)
            {
                return new AuditVerification(false, expected - 1, prev, e.Id, e.Seq, reason) { BrokenPosition = expected };
            }
            prev = e.Hash;
            expected++;
        }
        return new AuditVerification(true, expected - 1, prev, null, null, null);
    }

    private static bool IsHex64(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigitLower);

    private static void Text(List<byte> buffer, string? value)
    {
        var bytes = Encoding.UTF8.GetBytes(value ?? "");
        Length(buffer, bytes.Length);
        buffer.AddRange(bytes);
    }

    private static void Length(List<byte> buffer, int length)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, length);
        buffer.AddRange(b);
    }

    private static void Number(List<byte> buffer, long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        buffer.AddRange(b);
    }
}
