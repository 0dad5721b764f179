using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Siyu.Core.Audiences.Conditions;

namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// Answers a condition over a whole partition at once: every node becomes a bitset of ordinals, combined
/// word-wise. <paramref name="today"/> is the tenant's local day number, the same for all partitions of a query.
/// </summary>
/// <remarks>
/// Nodes narrow a running set in place (<see cref="Restrict"/>): the customers still in question. A child of "all"
/// only looks at customers its earlier siblings kept, so a column test after a rare behaviour reads a few words of
/// the column instead of all of it; children whose cost doesn't shrink with the set (tags, event postings) go first
/// to narrow it. The answer is the same set whatever the order: only the work changes. Temporary sets come from the
/// index's scratch, so a query allocates little beyond its answer.
/// </remarks>
public sealed class BitsetEvaluator(AudienceIndex index, int today)
{
    /// <summary>
    /// Words with at most this many customers still in question are tested customer by customer when the test is
    /// scalar; fuller ones are swept whole. Vectorised tests always sweep: 64 values cost about what one cache miss does.
    /// </summary>
    private const int SparseWord = 12;

    /// <summary>Roughly how many bitset words can be combined in the time one word of a column is scanned.</summary>
    private const int ScanWordCost = 16;

    private int[] _selection = [];

    public Bitset Evaluate(ConditionNode node)
    {
        // Alive grows by doubling; the answer needs only the words that hold ordinals.
        var result = Bitset.Wrap(index.Alive.Words.AsSpan(0, Math.Min(index.Alive.Words.Length, Bitset.WordsFor(index.Size))).ToArray());
        Restrict(node, result);
        return result;
    }

    /// <summary>
    /// Removes from <paramref name="target"/> (a subset of the alive customers) everyone for whom the node does not
    /// hold. Only ever clears bits, so a target on scratch words never has to grow.
    /// </summary>
    private void Restrict(ConditionNode node, Bitset target)
    {
        switch (node)
        {
            case AllNode all:
                foreach (var child in FixedCostFirst(all.Children))
                {
                    Restrict(child, target);
                    if (target.IsEmpty())
                    {
                        return;
                    }
                }
                return;
            case AnyNode any:
                RestrictAny(any, target);
                return;
            case NotNode not:
                var inner = index.RentCopy(target);
                Restrict(not.Child, inner);
                target.AndNot(inner);
                index.Return(inner);
                return;
            case TagsNode tags:
                RestrictTags(tags, target);
                return;
            case AttributeNode attribute:
                RestrictAttribute(attribute, target);
                return;
            case ScoreNode score:
                RestrictNumbers(index.Score(score.Name), index.ScoreBitmaps(score.Name), score.Op, score.Operand, target);
                return;
            case BehaviorNode behavior:
                RestrictBehavior(behavior, target);
                return;
            case NearStoreNode near:
                RestrictNearStore(near, target);
                break;
            case ListNode list:
                RestrictList(list, target);
                return;
            case AudienceNode audience:
                Restrict(audience.Resolved, target);
                return;
            default:
                throw new NotSupportedException(node.GetType().Name);
        }
    }

    /// <summary>Whether a narrower set makes the node cheaper: column scans read only the words still in question.</summary>
    private static bool Narrows(ConditionNode node) => node switch
    {
        AttributeNode or ScoreNode or NearStoreNode => true,
        BehaviorNode behavior => behavior.AllTime,
        AllNode all => all.Children.Any(Narrows),
        AnyNode any => any.Children.Any(Narrows),
        NotNode not => Narrows(not.Child),
        AudienceNode audience => Narrows(audience.Resolved),
        _ => false,
    };

    private static IEnumerable<ConditionNode> FixedCostFirst(IReadOnlyList<ConditionNode> children) =>
        children.Where(c => !Narrows(c)).Concat(children.Where(Narrows));

    /// <summary>
    /// Tracks the customers no child has matched yet (<c>rest</c>); each child is asked only about those, and the
    /// answer is target minus what is left. An empty "any" keeps no one.
    /// </summary>
    private void RestrictAny(AnyNode any, Bitset target)
    {
        if (any.Children.Count == 1)
        {
            Restrict(any.Children[0], target);
            return;
        }
        var rest = index.RentCopy(target);
        foreach (var child in FixedCostFirst(any.Children))
        {
            var part = index.RentCopy(rest);
            Restrict(child, part);
            rest.AndNot(part);
            index.Return(part);
            if (rest.IsEmpty())
            {
                break;
            }
        }
        target.AndNot(rest);
        index.Return(rest);
    }

    private void RestrictTags(TagsNode node, Bitset target)
    {
        switch (node.Match)
        {
            case TagMatch.HasAll:
                foreach (var id in node.TagIds)
                {
                    if (index.Tag(id) is not { } bits)
                    {
                        target.Clear();
                        return;
                    }
                    target.And(bits);
                }
                return;
            case TagMatch.HasNone:
                foreach (var id in node.TagIds)
                {
                    if (index.Tag(id) is { } bits)
                    {
                        target.AndNot(bits);
                    }
                }
                return;
            default:
                if (node.TagIds.Count == 1)
                {
                    if (index.Tag(node.TagIds[0]) is { } one)
                    {
                        target.And(one);
                    }
                    else
                    {
                        target.Clear();
                    }
                    return;
                }
                // target ∧ (t1 ∨ t2 …) = target minus those with none of them; never grows a scratch set.
                var none = index.RentCopy(target);
                foreach (var id in node.TagIds)
                {
                    if (index.Tag(id) is { } bits)
                    {
                        none.AndNot(bits);
                    }
                }
                target.AndNot(none);
                index.Return(none);
                return;
        }
    }

    private void RestrictAttribute(AttributeNode node, Bitset target)
    {
        var column = index.Attribute(node.Name);
        if (column is null)
        {
            if (node.Op != CompareOp.NotSet)
            {
                target.Clear();
            }
            return;
        }
        switch (node.Type)
        {
            case AttributeType.Number:
                RestrictNumbers(column.Numbers, column.NumberBitmaps(index.Size), node.Op, node.Operand, target);
                return;
            case AttributeType.Date:
                Scan(column.Days, new DayTest(node.Op, node.Operand, today), Comparisons.NoDay, target);
                return;
            default:
                var matcher = new TextMatcher(node.Op, node.Operand, index.Strings);
                if (!TryBitmaps(column.CodeBitmaps(index.Size), matcher.Matches, matcher.Matches(-1), target))
                {
                    Scan(column.Codes, new CodeTest(matcher), -1, target);
                }
                return;
        }
    }

    private void RestrictNumbers(double[]? values, ValueBitmaps<double>? bitmaps, CompareOp op, Operand operand, Bitset target)
    {
        if (values is null)
        {
            if (op != CompareOp.NotSet)
            {
                target.Clear();
            }
            return;
        }
        var test = new NumberTest(op, operand);
        if (!TryBitmaps(bitmaps, test.Matches, test.Matches(double.NaN), target))
        {
            Scan(values, test, double.NaN, target);
        }
    }

    /// <summary>
    /// Applies a test through per-value bitsets: keeps target ∧ (bitsets of matching values), or, when customers
    /// without a value match (not_set), removes the bitsets of the values that don't. Declines (false: scan instead)
    /// when the column has none, or when so few words of target are left that reading them beats passing over bitsets.
    /// </summary>
    private bool TryBitmaps<TKey>(ValueBitmaps<TKey>? bitmaps, Func<TKey, bool> matches, bool missingMatches, Bitset target) where TKey : notnull
    {
        if (bitmaps is null)
        {
            return false;
        }
        var side = new List<Bitset>();
        foreach (var (value, set) in bitmaps.Sets)
        {
            if (matches(value) != missingMatches)
            {
                side.Add(set);
            }
        }
        var words = target.Words;
        var left = 0;
        foreach (var w in words)
        {
            left += w != 0 ? 1 : 0;
        }
        // A pass over a bitset word is a fraction of a nanosecond; a scanned word reads 64 values from memory.
        if (left * ScanWordCost < (side.Count + 2) * words.Length)
        {
            return false;
        }
        if (missingMatches)
        {
            foreach (var set in side)
            {
                target.AndNot(set);
            }
        }
        else if (side.Count <= 1)
        {
            if (side.Count == 0)
            {
                target.Clear();
            }
            else
            {
                target.And(side[0]);
            }
        }
        else
        {
            var none = index.RentCopy(target);
            foreach (var set in side)
            {
                none.AndNot(set);
            }
            target.AndNot(none);
            index.Return(none);
        }
        return true;
    }

    /// <summary>
    /// Keeps the customers of <paramref name="target"/> whose value passes the test. Ordinals past the values have
    /// never had one: they read as <paramref name="missing"/>. The test is a struct so the JIT specialises and inlines
    /// it. Words with no one left are skipped, so after a selective sibling most of the column is never read.
    /// </summary>
    private static void Scan<T, TTest>(ReadOnlySpan<T> values, TTest test, T missing, Bitset target) where TTest : struct, ITest<T>
    {
        var words = target.Words;
        var missingMatches = test.Matches(missing);
        var sparse = test.Vectorised ? 0 : SparseWord;
        var complete = Math.Min(words.Length, values.Length >> 6);
        for (var w = 0; w < words.Length; w++)
        {
            var m = words[w];
            if (m == 0)
            {
                continue;
            }
            words[w] = w < complete && BitOperations.PopCount(m) > sparse
                ? test.Word(values.Slice(w << 6, 64)) & m
                : TestEach(values, test, missingMatches, w, m);
        }
    }

    private static ulong TestEach<T, TTest>(ReadOnlySpan<T> values, TTest test, bool missingMatches, int w, ulong m) where TTest : struct, ITest<T>
    {
        var bits = 0UL;
        var first = w << 6;
        for (; m != 0; m &= m - 1)
        {
            var j = BitOperations.TrailingZeroCount(m);
            var i = first + j;
            bits |= ((i < values.Length ? test.Matches(values[i]) : missingMatches) ? 1UL : 0UL) << j;
        }
        return bits;
    }

    /// <summary>
    /// A scan of the candidates' unit vectors: within the radius exactly when the chord to the store is at most the
    /// radius's chord (a dot product per customer, no trigonometry). City fallback reads the <c>city</c> attribute.
    /// </summary>
    private void RestrictNearStore(NearStoreNode node, Bitset target)
    {
        var (sx, sy, sz) = node.Position.ToUnitVector();
        var chord = Stores.GeoPoint.ChordFor(node.WithinKm);
        var minDot = 1 - chord * chord / 2;
        var locations = index.Locations;
        var cityColumn = node.CityFallback && node.City is { } city ? index.Attribute("city") : null;
        var cityCode = cityColumn is null ? -2 : index.Strings.Find(node.City!);
        var keep = new Bitset(index.Size);
        foreach (var i in target.Ones())
        {
            var x = 3 * i < locations.Length ? locations[3 * i] : double.NaN;
            var inside = double.IsNaN(x)
                ? cityColumn is not null && cityCode >= 0 && i < cityColumn.Codes.Length && cityColumn.Codes[i] == cityCode
                : x * sx + locations[3 * i + 1] * sy + locations[3 * i + 2] * sz >= minDot;
            if (inside)
            {
                keep.Set(i);
            }
        }
        target.And(keep);
    }

    private void RestrictList(ListNode node, Bitset target)
    {
        var listed = new Bitset(index.Size);
        foreach (var id in node.CustomerIds)
        {
            if (index.TryGetOrdinal(id, out var ordinal))
            {
                listed.Set(ordinal);
            }
        }
        target.And(listed);
    }

    private void RestrictBehavior(BehaviorNode node, Bitset target)
    {
        var column = index.Events(node.EventType);
        var test = new NumberTest(node.Op, node.Operand);
        if (node.AllTime)
        {
            switch (node.Measure)
            {
                case Measure.Count:
                    Scan(column?.Counts ?? [], new IntTest(test), 0, target);
                    return;
                case Measure.Sum:
                    Scan(column?.SumColumn(node.SumProperty!) ?? [], test, 0d, target);
                    return;
                default:
                    Scan(column?.LastDays ?? [], new SinceTest(test, today), Comparisons.NoDay, target);
                    return;
            }
        }

        var first = today - node.LastDays!.Value + 1;
        var filters = node.Where.Select(f => new CompiledFilter(f, index.Strings)).ToArray();
        var existence = IsExistence(node);
        if (existence || IsAbsence(node))
        {
            var seen = index.RentWords();
            Array.Clear(seen);
            Seen(column, first, filters, seen);
            if (existence)
            {
                target.And(seen);
            }
            else
            {
                target.AndNot(seen);
            }
            index.Return(seen);
            return;
        }
        var size = index.Size;
        switch (node.Measure)
        {
            case Measure.Count:
                var counts = ArrayPool<int>.Shared.Rent(size);
                Array.Clear(counts, 0, size);
                for (var day = first; day <= today && column is not null; day++)
                {
                    if (column.Day(day) is { } bucket)
                    {
                        var ordinals = bucket.Ordinals;
                        var n = Select(bucket, filters, 0, out var selection);
                        for (var k = 0; k < n; k++)
                        {
                            counts[ordinals[selection is null ? k : selection[k]]]++;
                        }
                    }
                }
                Scan(counts.AsSpan(0, size), new IntTest(test), 0, target);
                ArrayPool<int>.Shared.Return(counts);
                return;
            case Measure.Sum:
                var sums = ArrayPool<double>.Shared.Rent(size);
                Array.Clear(sums, 0, size);
                for (var day = first; day <= today && column is not null; day++)
                {
                    if (column.Day(day) is { } bucket && bucket.Numbers.GetValueOrDefault(node.SumProperty!) is { } amounts)
                    {
                        var ordinals = bucket.Ordinals;
                        var n = Select(bucket, filters, 0, out var selection);
                        for (var k = 0; k < n; k++)
                        {
                            var e = selection is null ? k : selection[k];
                            if (!double.IsNaN(amounts[e]))
                            {
                                sums[ordinals[e]] += amounts[e];
                            }
                        }
                    }
                }
                Scan(sums.AsSpan(0, size), test, 0d, target);
                ArrayPool<double>.Shared.Return(sums);
                return;
            default:
                var last = ArrayPool<int>.Shared.Rent(size);
                Array.Fill(last, Comparisons.NoDay, 0, size);
                for (var day = first; day <= today && column is not null; day++)
                {
                    if (column.Day(day) is { } bucket)
                    {
                        var ordinals = bucket.Ordinals;
                        var n = Select(bucket, filters, 0, out var selection);
                        for (var k = 0; k < n; k++)
                        {
                            var o = ordinals[selection is null ? k : selection[k]];
                            last[o] = Math.Max(last[o], day);
                        }
                    }
                }
                Scan(last.AsSpan(0, size), new SinceTest(test, today), Comparisons.NoDay, target);
                ArrayPool<int>.Shared.Return(last);
                return;
        }
    }

    /// <summary>count ≥ 1 (or &gt; 0): a set bit per matching event is enough, no counting.</summary>
    private static bool IsExistence(BehaviorNode node) =>
        node.Measure == Measure.Count && node.Operand.Numbers.Count == 1
        && ((node.Op == CompareOp.Gte && node.Operand.Numbers[0] is > 0 and <= 1) || (node.Op == CompareOp.Gt && node.Operand.Numbers[0] is >= 0 and < 1));

    /// <summary>count = 0 (or &lt; 1, ≤ 0): the complement of existence.</summary>
    private static bool IsAbsence(BehaviorNode node) =>
        node.Measure == Measure.Count && node.Operand.Numbers.Count == 1
        && ((node.Op == CompareOp.Eq && node.Operand.Numbers[0] == 0) || (node.Op == CompareOp.Lt && node.Operand.Numbers[0] is > 0 and <= 1)
            || (node.Op == CompareOp.Lte && node.Operand.Numbers[0] is >= 0 and < 1));

    /// <summary>Sets in <paramref name="words"/> everyone with at least one matching event in [first, today] (alive or not).</summary>
    private void Seen(EventColumn? column, int first, CompiledFilter[] filters, ulong[] words)
    {
        for (var day = first; day <= today && column is not null; day++)
        {
            if (column.Day(day) is not { } bucket)
            {
                continue;
            }
            var ordinals = bucket.Ordinals;
            if (filters.Length == 0)
            {
                SetAll(words, ordinals.AsSpan(0, bucket.Count));
                continue;
            }
            var from = 0;
            if (filters.Length == 1 && filters[0].Text is { } matcher && bucket.GroupsOf(filters[0].Property) is { } groups)
            {
                for (var g = 0; g < groups.Codes.Length; g++)
                {
                    if (matcher.Matches(groups.Codes[g]))
                    {
                        SetAll(words, groups.Ordinals.AsSpan(groups.Starts[g], groups.Starts[g + 1] - groups.Starts[g]));
                    }
                }
                from = groups.Covered;
            }
            var n = Select(bucket, filters, from, out var selection);
            for (var k = 0; k < n; k++)
            {
                var o = ordinals[selection![k]];
                words[o >> 6] |= 1UL << o;
            }
        }
    }

    private static void SetAll(ulong[] words, ReadOnlySpan<int> ordinals)
    {
        foreach (var o in ordinals)
        {
            words[o >> 6] |= 1UL << o;
        }
    }

    /// <summary>
    /// The bucket's events from <paramref name="from"/> on that pass every filter, as indices
    /// <paramref name="selection"/>[0..n] in order; with no filters, null and n = all of them (from is then 0).
    /// </summary>
    private int Select(DayBucket bucket, CompiledFilter[] filters, int from, out int[]? selection)
    {
        if (filters.Length == 0)
        {
            selection = null;
            return bucket.Count;
        }
        selection = Selection(bucket.Count);
        var n = filters[0].Select(bucket, selection, from, bucket.Count);
        for (var f = 1; f < filters.Length; f++)
        {
            n = filters[f].Refine(bucket, selection, n);
        }
        return n;
    }

    private int[] Selection(int size)
    {
        if (_selection.Length < size)
        {
            _selection = new int[Math.Max(size, _selection.Length * 2)];
        }
        return _selection;
    }

    /// <summary>One event property filter, applied to a day's columns a whole run of events at a time.</summary>
    private sealed class CompiledFilter(PropertyFilter filter, StringPool strings)
    {
        public string Property => filter.Property;
        public TextMatcher? Text { get; } = filter.Type == AttributeType.String && !IsPresence(filter) ? new(filter.Op, filter.Operand, strings) : null;
        private readonly NumberTest _number = filter.Type == AttributeType.String || IsPresence(filter) ? default : new(filter.Op, filter.Operand);
        // is_set / not_set ask whether the event has the property at all, text or number (there is no value to type them by).
        private readonly bool _presence = IsPresence(filter);

        private static bool IsPresence(PropertyFilter f) => f.Op is CompareOp.IsSet or CompareOp.NotSet;

        private bool Present(DayBucket bucket, int e) =>
            (bucket.Text.GetValueOrDefault(filter.Property) is { } codes && codes[e] >= 0)
            || (bucket.Numbers.GetValueOrDefault(filter.Property) is { } numbers && !double.IsNaN(numbers[e]));

        /// <summary>Writes the indices in [from, to) of matching events to <paramref name="selection"/>, ascending; returns how many.</summary>
        public int Select(DayBucket bucket, int[] selection, int from, int to)
        {
            var n = 0;
            if (_presence)
            {
                for (var e = from; e < to; e++)
                {
                    selection[n] = e;
                    n += Present(bucket, e) == (filter.Op == CompareOp.IsSet) ? 1 : 0;
                }
                return n;
            }
            if (Text is { } text)
            {
                if (bucket.Text.GetValueOrDefault(filter.Property) is not { } codes)
                {
                    return text.Matches(-1) ? Range(selection, from, to) : 0;
                }
                if (text.EqCode is { } eq)
                {
                    for (var e = from; e < to; e++)
                    {
                        selection[n] = e;
                        n += codes[e] == eq ? 1 : 0;
                    }
                    return n;
                }
                for (var e = from; e < to; e++)
                {
                    selection[n] = e;
                    n += text.Matches(codes[e]) ? 1 : 0;
                }
                return n;
            }
            if (bucket.Numbers.GetValueOrDefault(filter.Property) is not { } numbers)
            {
                return _number.Matches(double.NaN) ? Range(selection, from, to) : 0;
            }
            for (var e = from; e < to; e++)
            {
                selection[n] = e;
                n += _number.Matches(numbers[e]) ? 1 : 0;
            }
            return n;
        }

        /// <summary>Keeps, in order, the selected events this filter also matches.</summary>
        public int Refine(DayBucket bucket, int[] selection, int count)
        {
            var n = 0;
            if (_presence)
            {
                for (var k = 0; k < count; k++)
                {
                    var e = selection[k];
                    selection[n] = e;
                    n += Present(bucket, e) == (filter.Op == CompareOp.IsSet) ? 1 : 0;
                }
                return n;
            }
            if (Text is { } text)
            {
                if (bucket.Text.GetValueOrDefault(filter.Property) is not { } codes)
                {
                    return text.Matches(-1) ? count : 0;
                }
                for (var k = 0; k < count; k++)
                {
                    var e = selection[k];
                    selection[n] = e;
                    n += text.Matches(codes[e]) ? 1 : 0;
                }
                return n;
            }
            if (bucket.Numbers.GetValueOrDefault(filter.Property) is not { } numbers)
            {
                return _number.Matches(double.NaN) ? count : 0;
            }
            for (var k = 0; k < count; k++)
            {
                var e = selection[k];
                selection[n] = e;
                n += _number.Matches(numbers[e]) ? 1 : 0;
            }
            return n;
        }

        private static int Range(int[] selection, int from, int to)
        {
            for (var e = from; e < to; e++)
            {
                selection[e - from] = e;
            }
            return to - from;
        }
    }

    private interface ITest<T>
    {
        bool Matches(T value);

        /// <summary>Whether <see cref="Word"/> compares several values per instruction.</summary>
        bool Vectorised { get; }

        /// <summary>The tests of 64 consecutive values as a word (bit j for value j).</summary>
        ulong Word(ReadOnlySpan<T> values);
    }

    private static ulong EachOf<T, TTest>(ReadOnlySpan<T> values, TTest test) where TTest : struct, ITest<T>
    {
        var bits = 0UL;
        for (var j = 0; j < values.Length; j++)
        {
            bits |= (test.Matches(values[j]) ? 1UL : 0UL) << j;
        }
        return bits;
    }

    /// <summary>
    /// <see cref="Comparisons.Number"/> as a struct the scans inline. eq, gt, gte, lt, lte and between become one closed
    /// range [low, high]: an open bound moves to the next representable double, which is exact for every value, and
    /// NaN ("not set") fails both comparisons as it should. Other operators defer to Comparisons itself.
    /// </summary>
    private readonly struct NumberTest : ITest<double>
    {
        private readonly bool _isRange;
        private readonly double _low, _high;
        private readonly CompareOp _op;
        private readonly Operand _operand;

        public NumberTest(CompareOp op, Operand operand)
        {
            _op = op;
            _operand = operand;
            (_isRange, _low, _high) = op switch
            {
                CompareOp.Eq => (true, operand.Numbers[0], operand.Numbers[0]),
                CompareOp.Gt => (true, Above(operand.Numbers[0]), double.PositiveInfinity),
                CompareOp.Gte => (true, operand.Numbers[0], double.PositiveInfinity),
                CompareOp.Lt => (true, double.NegativeInfinity, Below(operand.Numbers[0])),
                CompareOp.Lte => (true, double.NegativeInfinity, operand.Numbers[0]),
                CompareOp.Between => (true, operand.Numbers[0], operand.Numbers[1]),
                _ => (false, 0d, 0d),
            };
        }

        /// <summary>The least double greater than x; nothing is greater than +∞, so that bound is NaN and matches nothing.</summary>
        private static double Above(double x) => double.IsPositiveInfinity(x) ? double.NaN : Math.BitIncrement(x);

        private static double Below(double x) => double.IsNegativeInfinity(x) ? double.NaN : Math.BitDecrement(x);

        // Non-short-circuit &: two flag instructions instead of a branch that mispredicts on every other value.
        public bool Matches(double value) => _isRange ? (value >= _low) & (value <= _high) : Comparisons.Number(_op, _operand, value);

        public bool Vectorised => _isRange && Vector256.IsHardwareAccelerated;

        public ulong Word(ReadOnlySpan<double> values)
        {
            if (!Vectorised)
            {
                return EachOf(values, this);
            }
            var low = Vector256.Create(_low);
            var high = Vector256.Create(_high);
            ref var start = ref MemoryMarshal.GetReference(values);
            var bits = 0UL;
            for (var j = 0; j < 64; j += Vector256<double>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)j);
                var inRange = Vector256.GreaterThanOrEqual(v, low) & Vector256.LessThanOrEqual(v, high);
                bits |= (ulong)inRange.ExtractMostSignificantBits() << j;
            }
            return bits;
        }
    }

    private readonly struct IntTest(NumberTest number) : ITest<int>
    {
        public bool Matches(int value) => number.Matches(value);
        public bool Vectorised => false;
        public ulong Word(ReadOnlySpan<int> values) => EachOf(values, this);
    }

    /// <summary>Days since a last day; customers without one match no comparison.</summary>
    private readonly struct SinceTest(NumberTest number, int today) : ITest<int>
    {
        public bool Matches(int day) => day != Comparisons.NoDay && number.Matches(today - day);
        public bool Vectorised => false;
        public ulong Word(ReadOnlySpan<int> values) => EachOf(values, this);
    }

    private readonly struct DayTest(CompareOp op, Operand operand, int today) : ITest<int>
    {
        public bool Matches(int day) => Comparisons.Day(op, operand, day, today);
        public bool Vectorised => false;
        public ulong Word(ReadOnlySpan<int> values) => EachOf(values, this);
    }

    private readonly struct CodeTest(TextMatcher matcher) : ITest<int>
    {
        public bool Matches(int code) => matcher.Matches(code);
        public bool Vectorised => false;
        public ulong Word(ReadOnlySpan<int> values) => EachOf(values, this);
    }
}

/// <summary>Text comparison over dictionary codes, memoised per code so each distinct value is compared once.</summary>
public sealed class TextMatcher(CompareOp op, Operand operand, StringPool strings)
{
    private readonly int _eqCode = op == CompareOp.Eq ? strings.Find(operand.Texts[0]) : -3;
    private sbyte[] _memo = new sbyte[Math.Max(16, strings.Count)];
    private readonly bool _missing = Comparisons.Text(op, operand, null);

    /// <summary>For eq, the one code that matches (-2 when no stored value has it); null for other operators.</summary>
    internal int? EqCode => _eqCode == -3 ? null : _eqCode;

    public bool Matches(int code)
    {
        if (code < 0)
        {
            return _missing;
        }
        if (_eqCode != -3)
        {
            return code == _eqCode;
        }
        if (code >= _memo.Length)
        {
            Array.Resize(ref _memo, Math.Max(code + 1, _memo.Length * 2));
        }
        if (_memo[code] == 0)
        {
            _memo[code] = Comparisons.Text(op, operand, strings[code]) ? (sbyte)1 : (sbyte)2;
        }
        return _memo[code] == 1;
    }
}
