using Siyu.Core.Audiences.Conditions;

namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// Answers a condition over a whole partition at once: every node becomes a bitset of ordinals, combined
/// word-wise. <paramref name="today"/> is the tenant's local day number, the same for all partitions of a query.
/// </summary>
public sealed class BitsetEvaluator(AudienceIndex index, int today)
{
    public Bitset Evaluate(ConditionNode node) => node switch
    {
        AllNode all => EvaluateAll(all),
        AnyNode any => EvaluateAny(any),
        NotNode not => Negate(Evaluate(not.Child)),
        TagsNode tags => EvaluateTags(tags),
        AttributeNode attribute => EvaluateAttribute(attribute),
        ScoreNode score => EvaluateNumbers(index.Score(score.Name), score.Op, score.Operand),
        BehaviorNode behavior => EvaluateBehavior(behavior),
        ListNode list => EvaluateList(list),
        AudienceNode audience => Evaluate(audience.Resolved),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private Bitset Everyone() => index.Alive.Clone();

    private Bitset Nobody() => new(index.Size);

    private Bitset Negate(Bitset inner)
    {
        var result = Everyone();
        result.AndNot(inner);
        return result;
    }

    private Bitset EvaluateAll(AllNode all)
    {
        var result = Everyone();
        foreach (var child in all.Children)
        {
            result.And(Evaluate(child));
        }
        return result;
    }

    private Bitset EvaluateAny(AnyNode any)
    {
        var result = Nobody();
        foreach (var child in any.Children)
        {
            result.Or(Evaluate(child));
        }
        return result;
    }

    private Bitset EvaluateTags(TagsNode node)
    {
        switch (node.Match)
        {
            case TagMatch.HasAll:
                var all = Everyone();
                foreach (var id in node.TagIds)
                {
                    if (index.Tag(id) is not { } bits)
                    {
                        return Nobody();
                    }
                    all.And(bits);
                }
                return all;
            default:
                var any = Nobody();
                foreach (var id in node.TagIds)
                {
                    if (index.Tag(id) is { } bits)
                    {
                        any.Or(bits);
                    }
                }
                if (node.Match == TagMatch.HasNone)
                {
                    return Negate(any);
                }
                any.And(index.Alive);
                return any;
        }
    }

    private Bitset EvaluateAttribute(AttributeNode node)
    {
        var column = index.Attribute(node.Name);
        if (column is null)
        {
            return node.Op == CompareOp.NotSet ? Everyone() : Nobody();
        }
        return node.Type switch
        {
            AttributeType.Number => EvaluateNumbers(column.Numbers, node.Op, node.Operand),
            AttributeType.Date => Scan(column.Days, day => Comparisons.Day(node.Op, node.Operand, day, today), Comparisons.NoDay),
            _ => EvaluateCodes(column.Codes, new TextMatcher(node.Op, node.Operand, index.Strings)),
        };
    }

    private Bitset EvaluateNumbers(double[]? values, CompareOp op, Operand operand)
    {
        if (values is null)
        {
            return op == CompareOp.NotSet ? Everyone() : Nobody();
        }
        return Scan(values, v => Comparisons.Number(op, operand, v), double.NaN);
    }

    private Bitset EvaluateCodes(int[] codes, TextMatcher matcher)
    {
        var result = new Bitset(index.Size);
        var alive = index.Alive;
        for (var i = 0; i < index.Size; i++)
        {
            if (alive[i] && matcher.Matches(i < codes.Length ? codes[i] : -1))
            {
                result.Set(i);
            }
        }
        return result;
    }

    /// <summary>Ordinals past a column's length have never had a value: they read as <paramref name="missing"/>.</summary>
    private Bitset Scan<T>(T[] values, Func<T, bool> match, T missing)
    {
        var result = new Bitset(index.Size);
        var alive = index.Alive;
        var missingMatches = match(missing);
        for (var i = 0; i < index.Size; i++)
        {
            if (alive[i] && (i < values.Length ? match(values[i]) : missingMatches))
            {
                result.Set(i);
            }
        }
        return result;
    }

    private Bitset EvaluateList(ListNode node)
    {
        var result = new Bitset(index.Size);
        foreach (var id in node.CustomerIds)
        {
            if (index.TryGetOrdinal(id, out var ordinal))
            {
                result.Set(ordinal);
            }
        }
        return result;
    }

    private Bitset EvaluateBehavior(BehaviorNode node)
    {
        var column = index.Events(node.EventType);
        if (node.AllTime)
        {
            return node.Measure switch
            {
                Measure.Count => Scan(column?.Counts ?? [], c => Comparisons.Number(node.Op, node.Operand, c), 0),
                Measure.Sum => Scan(column?.SumColumn(node.SumProperty!) ?? [], s => Comparisons.Number(node.Op, node.Operand, s), 0d),
                _ => Scan(column?.LastDays ?? [], d => d != Comparisons.NoDay && Comparisons.Number(node.Op, node.Operand, today - d), Comparisons.NoDay),
            };
        }

        var first = today - node.LastDays!.Value + 1;
        var filters = node.Where.Select(f => new CompiledFilter(f, index.Strings)).ToArray();
        if (IsExistence(node))
        {
            var seen = new Bitset(index.Size);
            ForEachMatch(column, first, filters, (bucket, e) => seen.Set(bucket.Ordinals[e]));
            seen.And(index.Alive);
            return seen;
        }
        switch (node.Measure)
        {
            case Measure.Count:
                var counts = new int[index.Size];
                ForEachMatch(column, first, filters, (bucket, e) => counts[bucket.Ordinals[e]]++);
                return Scan(counts, c => Comparisons.Number(node.Op, node.Operand, c), 0);
            case Measure.Sum:
                var sums = new double[index.Size];
                ForEachMatch(column, first, filters, (bucket, e) =>
                {
                    if (bucket.Numbers.TryGetValue(node.SumProperty!, out var amounts) && !double.IsNaN(amounts[e]))
                    {
                        sums[bucket.Ordinals[e]] += amounts[e];
                    }
                });
                return Scan(sums, s => Comparisons.Number(node.Op, node.Operand, s), 0d);
            default:
                var last = AudienceIndex.NewFilled(index.Size, Comparisons.NoDay);
                ForEachMatch(column, first, filters, (bucket, e) => last[bucket.Ordinals[e]] = Math.Max(last[bucket.Ordinals[e]], CurrentDay));
                return Scan(last, d => d != Comparisons.NoDay && Comparisons.Number(node.Op, node.Operand, today - d), Comparisons.NoDay);
        }
    }

    /// <summary>count ≥ 1 (or &gt; 0): a set bit per matching event is enough, no counting.</summary>
    private static bool IsExistence(BehaviorNode node) =>
        node.Measure == Measure.Count && node.Operand.Numbers.Count == 1
        && ((node.Op == CompareOp.Gte && node.Operand.Numbers[0] is > 0 and <= 1) || (node.Op == CompareOp.Gt && node.Operand.Numbers[0] is >= 0 and < 1));

    private int CurrentDay { get; set; }

    private void ForEachMatch(EventColumn? column, int first, CompiledFilter[] filters, Action<DayBucket, int> action)
    {
        if (column is null)
        {
            return;
        }
        for (var day = first; day <= today; day++)
        {
            if (column.Day(day) is not { } bucket)
            {
                continue;
            }
            CurrentDay = day;
            if (filters.Length == 0)
            {
                for (var e = 0; e < bucket.Count; e++)
                {
                    action(bucket, e);
                }
                continue;
            }
            foreach (var f in filters)
            {
                f.Bind(bucket);
            }
            for (var e = 0; e < bucket.Count; e++)
            {
                var ok = true;
                foreach (var f in filters)
                {
                    if (!f.Matches(e))
                    {
                        ok = false;
                        break;
                    }
                }
                if (ok)
                {
                    action(bucket, e);
                }
            }
        }
    }

    private sealed class CompiledFilter(PropertyFilter filter, StringPool strings)
    {
        // Only text filters have text operands (a number filter's "eq" has no Texts[0]).
        private readonly TextMatcher? _text = filter.Type == AttributeType.String ? new(filter.Op, filter.Operand, strings) : null;
        // is_set / not_set ask whether the event has the property at all, text or number (there is no value to type them by).
        private readonly bool _presence = filter.Op is CompareOp.IsSet or CompareOp.NotSet;
        private int[]? _codes;
        private double[]? _numbers;

        public void Bind(DayBucket bucket)
        {
            _codes = filter.Type == AttributeType.String || _presence ? bucket.Text.GetValueOrDefault(filter.Property) : null;
            _numbers = filter.Type == AttributeType.Number || _presence ? bucket.Numbers.GetValueOrDefault(filter.Property) : null;
        }

        public bool Matches(int e)
        {
            if (_presence)
            {
                var present = (_codes is not null && _codes[e] >= 0) || (_numbers is not null && !double.IsNaN(_numbers[e]));
                return present == (filter.Op == CompareOp.IsSet);
            }
            return _text is not null
                ? _text.Matches(_codes is null ? -1 : _codes[e])
                : Comparisons.Number(filter.Op, filter.Operand, _numbers is null ? double.NaN : _numbers[e]);
        }
    }
}

/// <summary>Text comparison over dictionary codes, memoised per code so each distinct value is compared once.</summary>
public sealed class TextMatcher(CompareOp op, Operand operand, StringPool strings)
{
    private readonly int _eqCode = op == CompareOp.Eq ? strings.Find(operand.Texts[0]) : -3;
    private sbyte[] _memo = new sbyte[Math.Max(16, strings.Count)];
    private readonly bool _missing = Comparisons.Text(op, operand, null);

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
