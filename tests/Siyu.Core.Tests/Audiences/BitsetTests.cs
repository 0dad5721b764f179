using System.Numerics;
using Siyu.Core.Audiences.Engine;
using Xunit;

namespace Siyu.Core.Tests.Audiences;

/// <summary>Bitset against a HashSet&lt;int&gt; oracle, with sizes straddling word (64) and Vector&lt;ulong&gt; boundaries.</summary>
public sealed class BitsetTests
{
    private static readonly int VectorBits = Vector<ulong>.Count * 64;

    public static readonly int[] Sizes =
    [
        0, 1, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 1023, 1024, 1025,
        VectorBits - 1, VectorBits, VectorBits + 1, 2 * VectorBits + 63, 3 * VectorBits + 65,
    ];

    public static TheoryData<int> SizeData()
    {
        var data = new TheoryData<int>();
        foreach (var s in Sizes.Distinct())
        {
            data.Add(s);
        }
        return data;
    }

    private static void AssertSame(HashSet<int> expected, Bitset actual, string context)
    {
        var ones = actual.Ones().ToList();
        Assert.True(ones.SequenceEqual(expected.Order()), $"{context}: ones [{string.Join(",", ones)}] expected [{string.Join(",", expected.Order())}]");
        Assert.Equal(expected.Count, actual.Count());
        Assert.Equal(expected.Count == 0, actual.IsEmpty());
        foreach (var bit in expected)
        {
            Assert.True(actual[bit], $"{context}: bit {bit}");
        }
    }

    [Theory]
    [MemberData(nameof(SizeData))]
    public void Full_sets_exactly_the_first_bits(int bits)
    {
        var full = Bitset.Full(bits);
        AssertSame(Enumerable.Range(0, bits).ToHashSet(), full, $"Full({bits})");
        Assert.False(full[bits]);
        Assert.False(full[bits + 64]);
        Assert.Equal(Bitset.WordsFor(bits) * 64, full.Capacity);
    }

    [Theory]
    [MemberData(nameof(SizeData))]
    public void New_bitset_is_empty_with_rounded_capacity(int bits)
    {
        var b = new Bitset(bits);
        Assert.True(b.IsEmpty());
        Assert.Equal(0, b.Count());
        Assert.Empty(b.Ones());
        Assert.Equal(Bitset.WordsFor(bits) * 64, b.Capacity);
        Assert.True(b.Capacity >= bits);
    }

    [Fact]
    public void Words_for_rounds_up()
    {
        Assert.Equal(0, Bitset.WordsFor(0));
        Assert.Equal(1, Bitset.WordsFor(1));
        Assert.Equal(1, Bitset.WordsFor(64));
        Assert.Equal(2, Bitset.WordsFor(65));
    }

    [Fact]
    public void Clone_is_independent()
    {
        var a = new Bitset(10);
        a.Set(3);
        a.Set(200);
        var b = a.Clone();
        b.Set(5);
        b.Clear(3);
        a.Set(7);
        AssertSame([3, 7, 200], a, "original");
        AssertSame([5, 200], b, "clone");
    }

    [Fact]
    public void And_clears_bits_beyond_the_shorter_operand_and_AndNot_keeps_them()
    {
        var big = Bitset.Full(1000);
        var small = Bitset.Full(65);
        var and = big.Clone();
        and.And(small);
        AssertSame(Enumerable.Range(0, 65).ToHashSet(), and, "big & small");

        var andNot = big.Clone();
        andNot.AndNot(small);
        AssertSame(Enumerable.Range(65, 935).ToHashSet(), andNot, "big & ~small");

        var or = small.Clone();
        or.Or(big);
        AssertSame(Enumerable.Range(0, 1000).ToHashSet(), or, "small | big");
        Assert.True(or.Capacity >= 1000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Random_operations_match_a_set_oracle(int seed)
    {
        var random = new Random(seed * 7919);
        for (var round = 0; round < 60; round++)
        {
            var size = Sizes[random.Next(Sizes.Length)];
            var range = Math.Max(1, size + 70);
            var (bits, model) = RandomPair(random, size, range);
            for (var step = 0; step < 40; step++)
            {
                var context = $"seed {seed} round {round} step {step}";
                switch (random.Next(11))
                {
                    case 0:
                    {
                        var bit = random.Next(range);
                        bits.Set(bit);
                        model.Add(bit);
                        break;
                    }
                    case 1:
                    {
                        var bit = random.Next(range + 200);
                        bits.Clear(bit);
                        model.Remove(bit);
                        break;
                    }
                    case 2:
                    {
                        var bit = random.Next(range);
                        var value = random.Next(2) == 0;
                        bits[bit] = value;
                        if (value)
                        {
                            model.Add(bit);
                        }
                        else
                        {
                            model.Remove(bit);
                        }
                        break;
                    }
                    case 3:
                    {
                        var (other, otherModel) = RandomPair(random, Sizes[random.Next(Sizes.Length)], range);
                        bits.And(other);
                        model.IntersectWith(otherModel);
                        AssertSame(otherModel, other, context + " (And operand untouched)");
                        break;
                    }
                    case 4:
                    {
                        var (other, otherModel) = RandomPair(random, Sizes[random.Next(Sizes.Length)], range);
                        bits.Or(other);
                        model.UnionWith(otherModel);
                        AssertSame(otherModel, other, context + " (Or operand untouched)");
                        break;
                    }
                    case 5:
                    {
                        var (other, otherModel) = RandomPair(random, Sizes[random.Next(Sizes.Length)], range);
                        bits.AndNot(other);
                        model.ExceptWith(otherModel);
                        AssertSame(otherModel, other, context + " (AndNot operand untouched)");
                        break;
                    }
                    case 6:
                    {
                        var n = Sizes[random.Next(Sizes.Length)];
                        var full = Bitset.Full(n);
                        if (random.Next(2) == 0)
                        {
                            bits.And(full);
                            model.IntersectWith(Enumerable.Range(0, n));
                        }
                        else
                        {
                            bits.Or(full);
                            model.UnionWith(Enumerable.Range(0, n));
                        }
                        break;
                    }
                    case 7:
                    {
                        var copy = bits.Clone();
                        var copyModel = model.ToHashSet();
                        var bit = random.Next(range);
                        copy.Set(bit);
                        copyModel.Add(bit);
                        AssertSame(copyModel, copy, context + " (clone)");
                        break;
                    }
                    case 8:
                    {
                        var want = random.Next(range + 500);
                        bits.EnsureCapacity(want);
                        Assert.True(bits.Capacity >= want, context);
                        break;
                    }
                    case 9:
                    {
                        var bit = random.Next(-5, range + 300);
                        Assert.Equal(model.Contains(bit), bits[bit]);
                        break;
                    }
                    default:
                    {
                        // x & ~x is empty, x | x is x.
                        var copy = bits.Clone();
                        copy.AndNot(bits);
                        Assert.True(copy.IsEmpty(), context);
                        var same = bits.Clone();
                        same.Or(bits);
                        AssertSame(model, same, context + " (x | x)");
                        break;
                    }
                }
                AssertSame(model, bits, context);
            }
        }
    }

    private static (Bitset Bits, HashSet<int> Model) RandomPair(Random random, int capacity, int range)
    {
        var bits = new Bitset(capacity);
        var model = new HashSet<int>();
        // Dense, sparse or edge-heavy fills so runs of full words and tails both occur.
        var density = random.Next(4) switch { 0 => 0.0, 1 => 0.05, 2 => 0.5, _ => 0.95 };
        for (var i = 0; i < range; i++)
        {
            var edge = (i & 63) is 0 or 63;
            if (random.NextDouble() < (edge ? Math.Max(density, 0.3) : density))
            {
                bits.Set(i);
                model.Add(i);
            }
        }
        return (bits, model);
    }
}
