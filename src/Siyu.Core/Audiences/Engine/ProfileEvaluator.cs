using System.Globalization;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;

namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// One node's verdict for one customer: what was compared (<see cref="Detail"/>), the result, and whether this
/// node decided its parent's result (the first failing child of an "all", the first holding child of an "any").
/// </summary>
public sealed record Explanation(string Path, string Kind, bool Result, string Detail, bool Decisive, IReadOnlyList<Explanation> Children);

/// <summary>
/// Evaluates a condition for a single customer straight from the profile. Used for "why is X in or out" and for
/// rule tags as events arrive; it must agree with <see cref="BitsetEvaluator"/> (tests check both against SQL).
/// </summary>
public sealed class ProfileEvaluator(TimeZoneInfo zone, int today, Func<long, string>? tagName = null, bool chinese = false)
{
    private string L(string zh, string en) => chinese ? zh : en;

    public bool Matches(ConditionNode node, CustomerProfile p) => Explain(node, p).Result;

    public Explanation Explain(ConditionNode node, CustomerProfile p)
    {
        switch (node)
        {
            case AllNode all:
            {
                var children = all.Children.Select(c => Explain(c, p)).ToList();
                var result = children.All(c => c.Result);
                return Group(all.Path, "all", result, children, decisive: result ? null : children.FindIndex(c => !c.Result));
            }
            case AnyNode any:
            {
                var children = any.Children.Select(c => Explain(c, p)).ToList();
                var result = children.Any(c => c.Result);
                return Group(any.Path, "any", result, children, decisive: result ? children.FindIndex(c => c.Result) : null);
            }
            case NotNode not:
            {
                var inner = Explain(not.Child, p) with { Decisive = true };
                return new Explanation(not.Path, "not", !inner.Result,
                    inner.Result ? L("内部条件成立，取反后不成立", "inner condition holds") : L("内部条件不成立，取反后成立", "inner condition does not hold"), false, [inner]);
            }
            case TagsNode tags:
                return Leaf(tags.Path, "tags", Tags(tags, p, out var tagDetail), tagDetail);
            case AttributeNode a:
            {
                var value = p.Attributes.TryGetValue(a.Name, out var v) ? v.Value : null;
                var result = a.Type switch
                {
                    AttributeType.Number => Comparisons.Number(a.Op, a.Operand, Comparisons.AsNumber(value)),
                    AttributeType.Date => Comparisons.Day(a.Op, a.Operand, Comparisons.AsDay(value, zone), today),
                    _ => Comparisons.Text(a.Op, a.Operand, Comparisons.AsText(value)),
                };
                return Leaf(a.Path, "attribute", result, $"{a.Name} = {Comparisons.AsText(value) ?? L("（无值）", "(not set)")}; {Describe(a.Op, a.Operand, a.Type)}");
            }
            case ScoreNode s:
            {
                var value = p.Scores.TryGetValue(s.Name, out var v) ? v : double.NaN;
                return Leaf(s.Path, "score", Comparisons.Number(s.Op, s.Operand, value),
                    $"{s.Name} = {(double.IsNaN(value) ? L("（未计算）", "(not computed)") : value.ToString(CultureInfo.InvariantCulture))}; {Describe(s.Op, s.Operand, AttributeType.Number)}");
            }
            case BehaviorNode b:
                return Behavior(b, p);
            case NearStoreNode near:
            {
                if (p.UsableLocation is { } at)
                {
                    var km = at.DistanceKm(near.Position);
                    return Leaf(near.Path, "near_store", km <= near.WithinKm,
                        string.Create(CultureInfo.InvariantCulture, $"{L("距门店", "distance to store")} {near.StoreId}: {km:0.##} km; ≤ {near.WithinKm} km"));
                }
                var city = Comparisons.AsText(p.Attributes.TryGetValue("city", out var cv) ? cv.Value : null);
                var byCity = near.CityFallback && near.City is not null && city == near.City;
                return Leaf(near.Path, "near_store", byCity, near.CityFallback
                    ? $"{L("无可用位置（未授权或未分享）；城市", "no usable location (no consent or none shared); city")} = {city ?? L("（无值）", "(not set)")}, {L("门店城市", "store city")} = {near.City}"
                    : L("无可用位置（未授权或未分享）", "no usable location (no consent or none shared)"));
            }
            case ListNode list:
                return Leaf(list.Path, "list", list.CustomerIds.Contains(p.CustomerId),
                    list.CustomerIds.Contains(p.CustomerId)
                        ? L($"客户 {p.CustomerId} 在名单中", $"customer {p.CustomerId} is on the list")
                        : L($"客户 {p.CustomerId} 不在名单中（共 {list.CustomerIds.Count} 个）", $"customer {p.CustomerId} is not on the list ({list.CustomerIds.Count} ids)"));
            case AudienceNode audience:
            {
                var inner = Explain(audience.Resolved, p) with { Decisive = true };
                return new Explanation(audience.Path, "audience", inner.Result, L($"人群 {audience.AudienceId}", $"audience {audience.AudienceId}"), false, [inner]);
            }
            default:
                throw new NotSupportedException(node.GetType().Name);
        }
    }

    private Explanation Group(string path, string kind, bool result, List<Explanation> children, int? decisive)
    {
        var marked = children.Select((c, i) => i == decisive ? c with { Decisive = true } : c).ToList();
        var detail = children.Count == 0
            ? kind == "all" ? L("空组：对所有人成立", "empty group: holds for everyone") : L("空组：对任何人都不成立", "empty group: holds for no one")
            : L($"{children.Count} 项中 {children.Count(c => c.Result)} 项成立", $"{children.Count(c => c.Result)} of {children.Count} hold");
        return new Explanation(path, kind, result, detail, false, marked);
    }

    private static Explanation Leaf(string path, string kind, bool result, string detail) => new(path, kind, result, detail, false, []);

    private bool Tags(TagsNode node, CustomerProfile p, out string detail)
    {
        var has = node.TagIds.Where(p.HasTag).ToList();
        var missing = node.TagIds.Except(has).ToList();
        detail = L($"有 [{string.Join("、", has.Select(Name))}]，没有 [{string.Join("、", missing.Select(Name))}]",
            $"has [{string.Join(", ", has.Select(Name))}], lacks [{string.Join(", ", missing.Select(Name))}]");
        return node.Match switch
        {
            TagMatch.HasAny => has.Count > 0,
            TagMatch.HasAll => missing.Count == 0,
            _ => has.Count == 0,
        };
    }

    private string Name(long tagId) => tagName?.Invoke(tagId) ?? tagId.ToString(CultureInfo.InvariantCulture);

    private Explanation Behavior(BehaviorNode b, CustomerProfile p)
    {
        double measured;
        string window;
        if (b.AllTime)
        {
            window = L("全部时间", "all time");
            measured = b.Measure switch
            {
                Measure.Count => p.EventCounts.GetValueOrDefault(b.EventType),
                Measure.Sum => p.Sums.GetValueOrDefault(CustomerProfile.SumKey(b.EventType, b.SumProperty!)),
                _ => p.LastEventTicks.TryGetValue(b.EventType, out var last) ? today - Comparisons.LocalDay(last, zone) : double.NaN,
            };
        }
        else
        {
            var first = today - b.LastDays!.Value + 1;
            window = L($"近 {b.LastDays} 天", $"last {b.LastDays} days");
            var matching = p.Behaviour
                .Where(e => e.Type == b.EventType)
                .Select(e => (Event: e, Day: Comparisons.LocalDay(e.Ticks, zone)))
                .Where(x => x.Day >= first && x.Day <= today && b.Where.All(f => FilterMatches(f, x.Event)))
                .ToList();
            measured = b.Measure switch
            {
                Measure.Count => matching.Count,
                Measure.Sum => matching.Sum(x => x.Event.Numbers?.TryGetValue(b.SumProperty!, out var n) == true ? n : 0),
                _ => matching.Count == 0 ? double.NaN : today - matching.Max(x => x.Day),
            };
        }
        var measureName = b.Measure switch
        {
            Measure.Count => L("次数", "count"),
            Measure.Sum => L($"{b.SumProperty} 合计", $"sum of {b.SumProperty}"),
            _ => L("距上次天数", "days since last"),
        };
        var filters = b.Where.Count == 0 ? "" : L("，其中 ", " where ") + string.Join(L("且", " and "), b.Where.Select(f => $"{f.Property} {Describe(f.Op, f.Operand, f.Type)}"));
        var shown = double.IsNaN(measured) ? L("（无）", "(none)") : measured.ToString("0.##", CultureInfo.InvariantCulture);
        return Leaf(b.Path, "behavior", Comparisons.Number(b.Op, b.Operand, measured),
            $"{b.EventType}{filters}, {window}: {measureName} = {shown}; {Describe(b.Op, b.Operand, AttributeType.Number)}");
    }

    public static bool FilterMatches(PropertyFilter f, BehaviourEvent e)
    {
        if (f.Op is CompareOp.IsSet or CompareOp.NotSet)
        {
            // Whether the event has the property at all, text or number: there is no value to type the filter by.
            var present = e.Text?.ContainsKey(f.Property) == true || e.Numbers?.ContainsKey(f.Property) == true;
            return present == (f.Op == CompareOp.IsSet);
        }
        return f.Type == AttributeType.String
            ? Comparisons.Text(f.Op, f.Operand, e.Text?.GetValueOrDefault(f.Property))
            : Comparisons.Number(f.Op, f.Operand, e.Numbers?.TryGetValue(f.Property, out var n) == true ? n : double.NaN);
    }

    private string Describe(CompareOp op, Operand o, AttributeType type)
    {
        string Show(double n) => type == AttributeType.Date ? DateOnly.FromDayNumber((int)n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : n.ToString(CultureInfo.InvariantCulture);
        var values = o.Texts.Count > 0 ? string.Join(", ", o.Texts) : string.Join(", ", o.Numbers.Select(Show));
        var symbol = op switch
        {
            CompareOp.Eq => "=", CompareOp.Neq => "≠", CompareOp.Gt => ">", CompareOp.Gte => "≥", CompareOp.Lt => "<", CompareOp.Lte => "≤",
            CompareOp.In => L("属于", "in"), CompareOp.Contains => L("包含", "contains"),
            _ => ConditionParser.OpName(op),
        };
        return op switch
        {
            CompareOp.IsSet => L("要求有值", "must be set"),
            CompareOp.NotSet => L("要求无值", "must not be set"),
            CompareOp.Between => L($"要求介于 {Show(o.Numbers[0])} 与 {Show(o.Numbers[1])} 之间", $"must be between {Show(o.Numbers[0])} and {Show(o.Numbers[1])}"),
            CompareOp.WithinNextDays => L($"要求在未来 {o.Days} 天内", $"must be within the next {o.Days} days"),
            CompareOp.WithinLastDays => L($"要求在过去 {o.Days} 天内", $"must be within the last {o.Days} days"),
            CompareOp.AnniversaryWithinNextDays => L($"要求周年日在未来 {o.Days} 天内", $"anniversary must be within the next {o.Days} days"),
            _ => L($"要求 {symbol} {values}", $"must be {symbol} {values}"),
        };
    }
}
