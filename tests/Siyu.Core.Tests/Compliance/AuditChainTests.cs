using System.Security.Cryptography;
using System.Text;
using Siyu.Core.Compliance;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class AuditChainTests
{
    private static List<AuditLink> Chain(params (string Actor, string Action, string? Target, string? Detail)[] rows)
    {
        var list = new List<AuditLink>();
        long seq = 0;
        var prev = AuditChain.Genesis;
        foreach (var (actor, action, target, detail) in rows)
        {
            var e = AuditChain.Next(seq, prev, id: 100 + seq, tenantId: 7, atTicks: 1_000 + seq, actor, action, target, detail);
            list.Add(e);
            seq = e.Seq;
            prev = e.Hash;
        }
        return list;
    }

    private static List<AuditLink> Five() => Chain(
        ("admin", "login", null, null), ("admin", "apikey.create", "sk_live_ab", ""), ("运营小王", "mass_send.create", "双十一", "3 位员工"),
        ("admin", "mass_send.approve", "双十一", null), ("admin", "export.audience", "高价值", "120 rows"));

    [Fact]
    public void Encoding_is_the_documented_byte_layout()
    {
        // tenant 1, seq 1, ticks 2, actor "a", action "b", no target, empty detail, genesis: written out by hand.
        var expected = new List<byte>();
        expected.AddRange([0, 0, 0, 13]);
        expected.AddRange("siyu.audit.v1"u8.ToArray());
        expected.AddRange([0, 0, 0, 0, 0, 0, 0, 1]);
        expected.AddRange([0, 0, 0, 0, 0, 0, 0, 1]);
        expected.AddRange([0, 0, 0, 0, 0, 0, 0, 2]);
        expected.AddRange([0, 0, 0, 1, (byte)'a']);
        expected.AddRange([0, 0, 0, 1, (byte)'b']);
        expected.AddRange([0, 0, 0, 0]);
        expected.AddRange([0, 0, 0, 0]);
        expected.AddRange([0, 0, 0, 32]);
        expected.AddRange(new byte[32]);
        Assert.Equal(expected.ToArray(), AuditChain.Encode(1, 1, 2, "a", "b", null, "", AuditChain.Genesis));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), AuditChain.Hash(1, 1, 2, "a", "b", null, "", AuditChain.Genesis));
    }

    [Fact]
    public void Chinese_text_is_length_prefixed_in_utf8_bytes_not_chars()
    {
        var bytes = AuditChain.Encode(1, 1, 2, "王", "b", null, null, AuditChain.Genesis);
        // after the 4+13 version, 3*8 numbers: actor length 3 (王 is E7 8E 8B)
        Assert.Equal(new byte[] { 0, 0, 0, 3, 0xE7, 0x8E, 0x8B }, bytes[41..48]);
    }

    [Fact]
    public void Moving_a_boundary_between_fields_changes_the_hash()
    {
        var g = AuditChain.Genesis;
        Assert.NotEqual(AuditChain.Encode(1, 1, 2, "ab", "c", null, null, g), AuditChain.Encode(1, 1, 2, "a", "bc", null, null, g));
        Assert.NotEqual(AuditChain.Hash(1, 1, 2, "ab", "c", null, null, g), AuditChain.Hash(1, 1, 2, "a", "bc", null, null, g));
        Assert.NotEqual(AuditChain.Hash(1, 1, 2, "a", "b", "cd", "", g), AuditChain.Hash(1, 1, 2, "a", "b", "c", "d", g));
    }

    [Fact]
    public void A_hand_built_chain_links_each_hash_to_the_previous_and_verifies()
    {
        var chain = Five();
        Assert.Equal(AuditChain.Genesis, chain[0].PrevHash);
        for (var i = 1; i < chain.Count; i++)
        {
            Assert.Equal(chain[i - 1].Hash, chain[i].PrevHash);
            Assert.Equal(i + 1, chain[i].Seq);
        }
        // independent recomputation of entry 2 from its fields
        var bytes = new List<byte>();
        void Text(string s) { var b = Encoding.UTF8.GetBytes(s); bytes.AddRange([(byte)(b.Length >> 24), (byte)(b.Length >> 16), (byte)(b.Length >> 8), (byte)b.Length]); bytes.AddRange(b); }
        void Num(long v) { for (var k = 7; k >= 0; k--) { bytes.Add((byte)(v >> (8 * k))); } }
        Text("siyu.audit.v1"); Num(7); Num(2); Num(1001); Text("admin"); Text("apikey.create"); Text("sk_live_ab"); Text("");
        bytes.AddRange([0, 0, 0, 32]); bytes.AddRange(Convert.FromHexString(chain[0].Hash));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())), chain[1].Hash);

        var result = AuditChain.Verify(chain);
        Assert.True(result.Ok);
        Assert.Equal(5, result.Count);
        Assert.Equal(chain[4].Hash, result.HeadHash);
        Assert.Null(result.BrokenId);
    }

    [Fact]
    public void An_empty_chain_is_intact_with_the_genesis_head()
    {
        var result = AuditChain.Verify([]);
        Assert.True(result.Ok);
        Assert.Equal(0, result.Count);
        Assert.Equal(AuditChain.Genesis, result.HeadHash);
    }

    [Fact]
    public void An_edited_field_breaks_the_chain_at_that_entry()
    {
        var chain = Five();
        chain[2] = chain[2] with { Detail = "30 位员工" };
        var result = AuditChain.Verify(chain);
        Assert.False(result.Ok);
        Assert.Equal(102, result.BrokenId);
        Assert.Equal(3, result.BrokenPosition);
        Assert.Equal(AuditBreak.HashMismatch, result.Reason);
        Assert.Equal(2, result.Count);
    }

    [Fact]
    public void An_edit_with_a_recomputed_hash_breaks_the_next_link()
    {
        var chain = Five();
        var edited = chain[1] with { Actor = "someone" };
        chain[1] = edited with { Hash = AuditChain.Hash(edited) };
        var result = AuditChain.Verify(chain);
        Assert.Equal(102, result.BrokenId);
        Assert.Equal(AuditBreak.PrevHashMismatch, result.Reason);
    }

    [Fact]
    public void A_deleted_middle_row_breaks_the_chain_at_its_successor()
    {
        var chain = Five();
        chain.RemoveAt(2);
        var result = AuditChain.Verify(chain);
        Assert.False(result.Ok);
        Assert.Equal(103, result.BrokenId);
        Assert.Equal(AuditBreak.SequenceGap, result.Reason);
    }

    [Fact]
    public void A_swapped_pair_breaks_the_chain_at_the_first_of_them()
    {
        var chain = Five();
        (chain[1], chain[2]) = (chain[2], chain[1]);
        var result = AuditChain.Verify(chain);
        Assert.False(result.Ok);
        Assert.Equal(102, result.BrokenId);
        Assert.Equal(2, result.BrokenPosition);

        // swapping only the sequence numbers as well still breaks at the first moved row (its previous hash is wrong)
        var renumbered = Five();
        (renumbered[1], renumbered[2]) = (renumbered[2] with { Seq = 2 }, renumbered[1] with { Seq = 3 });
        var again = AuditChain.Verify(renumbered);
        Assert.Equal(102, again.BrokenId);
        Assert.Equal(AuditBreak.PrevHashMismatch, again.Reason);
    }

    [Fact]
    public void A_changed_time_or_tenant_is_detected()
    {
        var chain = Five();
        chain[4] = chain[4] with { AtTicks = chain[4].AtTicks + 1 };
        Assert.Equal(104, AuditChain.Verify(chain).BrokenId);
        var other = Five();
        other[0] = other[0] with { TenantId = 8 };
        Assert.Equal(100, AuditChain.Verify(other).BrokenId);
    }
}
