using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Audiences;

public sealed class ConditionParserTests
{
    private static ConditionCatalog Catalog(Dictionary<long, string>? audiences = null) => new()
    {
        Tags = new()
        {
            [1] = new TagInfo(1, "VIP", false),
            [2] = new TagInfo(2, "宝妈", false),
            [3] = new TagInfo(3, "高价值", true),
        },
        Scores = ["rfm"],
        Audiences = audiences ?? new() { [50] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[1]}}""" },
        RetentionDays = 365,
    };

    private static string Wrap(string root) => $$"""{"version":1,"root":{{root}}}""";

    private static ConditionNode ParseOk(string json, ConditionCatalog? catalog = null)
    {
        var result = ConditionParser.Parse(json, catalog ?? Catalog());
        Assert.True(result.Ok, string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.Empty(result.Errors);
        Assert.Equal(1, result.Condition!.Version);
        return result.Condition.Root;
    }

    private static IReadOnlyList<FieldError> ParseErrors(string json, ConditionCatalog? catalog = null, long? self = null)
    {
        var result = ConditionParser.Parse(json, catalog ?? Catalog(), selfAudienceId: self);
        Assert.False(result.Ok);
        Assert.Null(result.Condition);
        Assert.NotEmpty(result.Errors);
        return result.Errors;
    }

    private static FieldError Single(IReadOnlyList<FieldError> errors, string path)
    {
        Assert.True(errors.Count == 1, "errors: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.Equal(path, errors[0].Path);
        return errors[0];
    }

    // ---- valid examples of every node type ----

    [Fact]
    public void Groups_parse_with_paths_including_empty_ones()
    {
        var root = ParseOk(Wrap("""
            {"type":"all","children":[
              {"type":"any","children":[]},
              {"type":"not","child":{"type":"all","children":[]}}
            ]}
            """));
        var all = Assert.IsType<AllNode>(root);
        Assert.Equal("condition.root", all.Path);
        Assert.Equal(2, all.Children.Count);
        var any = Assert.IsType<AnyNode>(all.Children[0]);
        Assert.Empty(any.Children);
        Assert.Equal("condition.root.children[0]", any.Path);
        var not = Assert.IsType<NotNode>(all.Children[1]);
        Assert.Equal("condition.root.children[1]", not.Path);
        var inner = Assert.IsType<AllNode>(not.Child);
        Assert.Equal("condition.root.children[1].child", inner.Path);
        Assert.Empty(inner.Children);
    }

    [Theory]
    [InlineData("has_any", TagMatch.HasAny)]
    [InlineData("has_all", TagMatch.HasAll)]
    [InlineData("has_none", TagMatch.HasNone)]
    public void Tags_parse_and_deduplicate(string op, TagMatch match)
    {
        var tags = Assert.IsType<TagsNode>(ParseOk(Wrap($$"""{"type":"tags","op":"{{op}}","tag_ids":[1,3,1]}""")));
        Assert.Equal(match, tags.Match);
        Assert.Equal([1L, 3L], tags.TagIds);
    }

    [Fact]
    public void Tags_with_an_empty_list_parse()
    {
        var tags = Assert.IsType<TagsNode>(ParseOk(Wrap("""{"type":"tags","op":"has_all","tag_ids":[]}""")));
        Assert.Empty(tags.TagIds);
    }

    [Fact]
    public void Attributes_parse_in_their_inferred_type()
    {
        var city = Assert.IsType<AttributeNode>(ParseOk(Wrap("""{"type":"attribute","name":"city","op":"in","values":["上海","北京"]}""")));
        Assert.Equal(AttributeType.String, city.Type);
        Assert.Equal(CompareOp.In, city.Op);
        Assert.Equal(["上海", "北京"], city.Operand.Texts);

        var points = Assert.IsType<AttributeNode>(ParseOk(Wrap("""{"type":"attribute","name":"points","op":"between","min":10,"max":20.5}""")));
        Assert.Equal(AttributeType.Number, points.Type);
        Assert.Equal([10d, 20.5], points.Operand.Numbers);

        var birthday = Assert.IsType<AttributeNode>(ParseOk(Wrap("""{"type":"attribute","name":"birthday","op":"gte","value":"1990-02-28"}""")));
        Assert.Equal(AttributeType.Date, birthday.Type);
        Assert.Equal([(double)new DateOnly(1990, 2, 28).DayNumber], birthday.Operand.Numbers);

        var soon = Assert.IsType<AttributeNode>(ParseOk(Wrap("""{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":7}""")));
        Assert.Equal(CompareOp.AnniversaryWithinNextDays, soon.Op);
        Assert.Equal(7, soon.Operand.Days);

        var set = Assert.IsType<AttributeNode>(ParseOk(Wrap("""{"type":"attribute","name":"city","op":"not_set"}""")));
        Assert.Equal(CompareOp.NotSet, set.Op);

        var chinese = Assert.IsType<AttributeNode>(ParseOk(Wrap("""{"type":"attribute","name":"宝宝生日","op":"within_next_days","days":30}""")));
        Assert.Equal(AttributeType.Date, chinese.Type);
    }

    [Fact]
    public void Score_parses()
    {
        var score = Assert.IsType<ScoreNode>(ParseOk(Wrap("""{"type":"score","name":"rfm","op":"gte","value":4}""")));
        Assert.Equal("rfm", score.Name);
        Assert.Equal(CompareOp.Gte, score.Op);
        Assert.Equal([4d], score.Operand.Numbers);
    }

    [Fact]
    public void Behaviors_parse_with_windows_measures_and_filters()
    {
        var count = Assert.IsType<BehaviorNode>(ParseOk(Wrap("""
            {"type":"behavior","event":"order.paid","window":{"last_days":30},
             "where":[{"property":"category","op":"eq","value":"母婴"},{"property":"amount","op":"gt","value":100}],
             "op":"gte","value":2}
            """)));
        Assert.Equal("order.paid", count.EventType);
        Assert.Equal(30, count.LastDays);
        Assert.False(count.AllTime);
        Assert.Equal(Measure.Count, count.Measure);
        Assert.Equal(2, count.Where.Count);
        Assert.Equal(AttributeType.String, count.Where[0].Type);
        Assert.Equal("condition.root.where[0]", count.Where[0].Path);
        Assert.Equal(AttributeType.Number, count.Where[1].Type);
        Assert.Equal([100d], count.Where[1].Operand.Numbers);

        var sum = Assert.IsType<BehaviorNode>(ParseOk(Wrap("""
            {"type":"behavior","event":"order.paid","window":{"all_time":true},"measure":"sum","property":"amount","op":"between","min":100,"max":500}
            """)));
        Assert.True(sum.AllTime);
        Assert.Null(sum.LastDays);
        Assert.Equal(Measure.Sum, sum.Measure);
        Assert.Equal("amount", sum.SumProperty);

        var since = Assert.IsType<BehaviorNode>(ParseOk(Wrap("""
            {"type":"behavior","event":"page.viewed","window":{"last_days":365},"measure":"days_since_last","op":"lte","value":3}
            """)));
        Assert.Equal(Measure.DaysSinceLast, since.Measure);
        Assert.Equal(365, since.LastDays);
    }

    [Fact]
    public void List_and_audience_parse()
    {
        var list = Assert.IsType<ListNode>(ParseOk(Wrap("""{"type":"list","customer_ids":[5,7,5]}""")));
        Assert.Equal(new HashSet<long> { 5, 7 }, list.CustomerIds.ToHashSet());

        var audience = Assert.IsType<AudienceNode>(ParseOk(Wrap("""{"type":"audience","audience_id":50}""")));
        Assert.Equal(50, audience.AudienceId);
        var resolved = Assert.IsType<TagsNode>(audience.Resolved);
        Assert.Equal(TagMatch.HasAny, resolved.Match);
        Assert.Equal([1L], resolved.TagIds);
    }

    [Fact]
    public void Audience_references_may_share_a_target_without_a_cycle()
    {
        var catalog = Catalog(new()
        {
            [1] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[1]}}""",
            [2] = """{"version":1,"root":{"type":"audience","audience_id":1}}""",
        });
        var all = Assert.IsType<AllNode>(ParseOk(Wrap("""{"type":"all","children":[{"type":"audience","audience_id":1},{"type":"audience","audience_id":2}]}"""), catalog));
        var second = Assert.IsType<AudienceNode>(all.Children[1]);
        Assert.IsType<AudienceNode>(second.Resolved);
    }

    // ---- errors with exact paths ----

    [Fact]
    public void Unknown_tag_is_reported_at_its_index()
    {
        var errors = ParseErrors(Wrap("""
            {"type":"all","children":[{"type":"tags","op":"has_any","tag_ids":[1]},{"type":"tags","op":"has_all","tag_ids":[999,2]}]}
            """));
        var error = Single(errors, "condition.root.children[1].tag_ids[0]");
        Assert.Contains("999", error.Message);
    }

    [Fact]
    public void Contains_on_a_number_attribute_is_rejected()
    {
        var error = Single(ParseErrors(Wrap("""{"type":"attribute","name":"points","op":"contains","value":"1"}""")), "condition.root.op");
        Assert.Contains("contains", error.Message);
        Assert.Contains("points", error.Message);
    }

    [Fact]
    public void Relative_date_operator_on_a_text_attribute_is_rejected()
    {
        var error = Single(ParseErrors(Wrap("""{"type":"attribute","name":"city","op":"within_next_days","days":3}""")), "condition.root.op");
        Assert.Contains("within_next_days", error.Message);
    }

    [Fact]
    public void Set_operators_are_not_measures()
    {
        Single(ParseErrors(Wrap("""{"type":"behavior","event":"order.paid","window":{"last_days":3},"op":"is_set"}""")), "condition.root.op");
        Single(ParseErrors(Wrap("""{"type":"behavior","event":"order.paid","window":{"last_days":3},"op":"neq","value":1}""")), "condition.root.op");
    }

    [Fact]
    public void Window_over_retention_is_rejected()
    {
        var error = Single(ParseErrors(Wrap("""
            {"type":"any","children":[{"type":"behavior","event":"order.paid","window":{"last_days":366},"op":"gte","value":1}]}
            """)), "condition.root.children[0].window.last_days");
        Assert.Contains("365", error.Message);
        ParseOk(Wrap("""{"type":"behavior","event":"order.paid","window":{"last_days":365},"op":"gte","value":1}"""));
    }

    [Theory]
    [InlineData("""{"last_days":0}""", "condition.root.window.last_days")]
    [InlineData("""{"last_days":"7"}""", "condition.root.window.last_days")]
    [InlineData("""{"all_time":false}""", "condition.root.window")]
    [InlineData("""[]""", "condition.root.window")]
    public void Bad_windows_are_rejected(string window, string path) =>
        Single(ParseErrors(Wrap($$"""{"type":"behavior","event":"order.paid","window":{{window}},"op":"gte","value":1}""")), path);

    [Fact]
    public void Audience_reference_cycle_is_rejected_at_the_reference()
    {
        var catalog = Catalog(new()
        {
            [10] = """{"version":1,"root":{"type":"all","children":[{"type":"audience","audience_id":20}]}}""",
            [20] = """{"version":1,"root":{"type":"audience","audience_id":10}}""",
        });
        var error = Single(ParseErrors(Wrap("""{"type":"not","child":{"type":"audience","audience_id":10}}"""), catalog), "condition.root.child.audience_id");
        Assert.Contains("10 → 20 → 10", error.Message);
    }

    [Fact]
    public void Self_reference_is_a_cycle()
    {
        var catalog = Catalog(new()
        {
            [7] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[1]}}""",
            [8] = """{"version":1,"root":{"type":"audience","audience_id":7}}""",
        });
        var direct = Single(ParseErrors(Wrap("""{"type":"audience","audience_id":7}"""), catalog, self: 7), "condition.root.audience_id");
        Assert.Contains("7 → 7", direct.Message);
        // Saving 7 so that it uses 8, which uses 7.
        var indirect = Single(ParseErrors(Wrap("""{"type":"any","children":[{"type":"audience","audience_id":8}]}"""), catalog, self: 7),
            "condition.root.children[0].audience_id");
        Assert.Contains("7 → 8 → 7", indirect.Message);
        // The same condition is fine for another audience.
        ParseOk(Wrap("""{"type":"any","children":[{"type":"audience","audience_id":8}]}"""), catalog);
    }

    [Fact]
    public void Unknown_and_broken_referenced_audiences_are_reported_at_the_reference()
    {
        var catalog = Catalog(new() { [3] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[404]}}""" });
        var missing = Single(ParseErrors(Wrap("""{"type":"audience","audience_id":4}"""), catalog), "condition.root.audience_id");
        Assert.Contains("4", missing.Message);
        var broken = Single(ParseErrors(Wrap("""{"type":"audience","audience_id":3}"""), catalog), "condition.root.audience_id");
        Assert.Contains("audience[3].root.tag_ids[0]", broken.Message);
    }

    [Fact]
    public void Unknown_node_type_is_reported_at_type()
    {
        var error = Single(ParseErrors(Wrap("""{"type":"all","children":[{"type":"segment"}]}""")), "condition.root.children[0].type");
        Assert.Contains("segment", error.Message);
        Single(ParseErrors(Wrap("""{"type":"all","children":[{"op":"has_any"}]}""")), "condition.root.children[0].type");
    }

    [Fact]
    public void Missing_or_unsupported_version_is_reported()
    {
        Single(ParseErrors("""{"root":{"type":"all","children":[]}}"""), "condition.version");
        Single(ParseErrors("""{"version":"1","root":{"type":"all","children":[]}}"""), "condition.version");
        var error = Single(ParseErrors("""{"version":2,"root":{"type":"all","children":[]}}"""), "condition.version");
        Assert.Contains("2", error.Message);
    }

    [Fact]
    public void Missing_root_and_non_object_condition_are_reported()
    {
        Single(ParseErrors("""{"version":1}"""), "condition.root");
        Single(ParseErrors("""[1]"""), "condition");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"version":1,"root":{"type":"all","children":[}}""")]
    [InlineData("not json")]
    public void Bad_json_is_one_error_at_the_root(string json)
    {
        var error = Single(ParseErrors(json), "condition");
        Assert.StartsWith("Not valid JSON", error.Message);
    }

    [Fact]
    public void Custom_root_path_prefixes_every_error()
    {
        var result = ConditionParser.Parse(Wrap("""{"type":"tags","op":"has_any","tag_ids":[9]}"""), Catalog(), path: "body.condition");
        Assert.Equal("body.condition.root.tag_ids[0]", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Between_with_min_above_max_is_rejected_at_max()
    {
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"points","op":"between","min":5,"max":4}""")), "condition.root.max");
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"birthday","op":"between","min":"2000-01-02","max":"2000-01-01"}""")), "condition.root.max");
        Single(ParseErrors(Wrap("""{"type":"score","name":"rfm","op":"between","min":1}""")), "condition.root.max");
    }

    [Fact]
    public void Where_filters_on_all_time_are_rejected()
    {
        var error = Single(ParseErrors(Wrap("""
            {"type":"behavior","event":"order.paid","window":{"all_time":true},"where":[{"property":"category","op":"eq","value":"母婴"}],"op":"gte","value":1}
            """)), "condition.root.where");
        Assert.Contains("365", error.Message);
        // An empty filter list is not a filter.
        ParseOk(Wrap("""{"type":"behavior","event":"order.paid","window":{"all_time":true},"where":[],"op":"gte","value":1}"""));
    }

    [Fact]
    public void Operand_errors_have_exact_paths()
    {
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"points","op":"eq","value":"ten"}""")), "condition.root.value");
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"birthday","op":"eq","value":"03/01/1990"}""")), "condition.root.value");
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"city","op":"in","values":["上海",3]}""")), "condition.root.values[1]");
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"city","op":"in","values":[]}""")), "condition.root.values");
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"city","op":"contains","value":""}""")), "condition.root.value");
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"birthday","op":"within_next_days","days":-1}""")), "condition.root.days");
        Single(ParseErrors(Wrap("""{"type":"score","name":"ltv","op":"gt","value":1}""")), "condition.root.name");
        Single(ParseErrors(Wrap("""{"type":"behavior","event":"tag.added","window":{"last_days":3},"op":"gte","value":1}""")), "condition.root.event");
        Single(ParseErrors(Wrap("""{"type":"behavior","event":"order.paid","window":{"last_days":3},"measure":"avg","op":"gte","value":1}""")), "condition.root.measure");
        Single(ParseErrors(Wrap("""{"type":"behavior","event":"order.paid","window":{"last_days":3},"measure":"sum","op":"gte","value":1}""")), "condition.root.property");
        Single(ParseErrors(Wrap("""{"type":"list","customer_ids":[1,-2]}""")), "condition.root.customer_ids[1]");
    }

    [Fact]
    public void Wrongly_typed_numbers_are_errors_not_exceptions()
    {
        Single(ParseErrors(Wrap("""{"type":"attribute","name":"birthday","op":"within_next_days","days":"30"}""")), "condition.root.days");
        Single(ParseErrors(Wrap("""{"type":"audience","audience_id":"50"}""")), "condition.root.audience_id");
        Single(ParseErrors(Wrap("""{"type":"tags","op":"has_any","tag_ids":["1"]}""")), "condition.root.tag_ids[0]");
        Single(ParseErrors(Wrap("""{"type":"tags","op":"has_any","tag_ids":[1.5]}""")), "condition.root.tag_ids[0]");
        Single(ParseErrors(Wrap("""{"type":"list","customer_ids":["5"]}""")), "condition.root.customer_ids[0]");
    }

    [Fact]
    public void Several_errors_are_reported_at_once()
    {
        var catalog = Catalog(new()
        {
            [10] = """{"version":1,"root":{"type":"audience","audience_id":20}}""",
            [20] = """{"version":1,"root":{"type":"audience","audience_id":10}}""",
        });
        var errors = ParseErrors("""
            {"root":{"type":"all","children":[
              {"type":"tags","op":"has_any","tag_ids":[1]},
              {"type":"tags","op":"has_any","tag_ids":[404, 2, 405]},
              {"type":"attribute","name":"points","op":"contains","value":"1"},
              {"type":"any","children":[
                {"type":"attribute","name":"city","op":"within_next_days","days":3},
                {"type":"behavior","event":"order.paid","window":{"last_days":1000},"op":"gte","value":1}
              ]},
              {"type":"not","child":{"type":"audience","audience_id":10}},
              {"type":"whatever"},
              {"type":"score","name":"rfm","op":"between","min":5,"max":1},
              {"type":"behavior","event":"order.paid","window":{"all_time":true},"where":[{"property":"category","op":"eq","value":"x"}],"op":"gte","value":1}
            ]}}
            """, catalog);
        Assert.Equal(
        [
            "condition.version",
            "condition.root.children[1].tag_ids[0]",
            "condition.root.children[1].tag_ids[2]",
            "condition.root.children[2].op",
            "condition.root.children[3].children[0].op",
            "condition.root.children[3].children[1].window.last_days",
            "condition.root.children[4].child.audience_id",
            "condition.root.children[5].type",
            "condition.root.children[6].max",
            "condition.root.children[7].where",
        ], errors.Select(e => e.Path));
    }

    [Fact]
    public void Depth_and_size_limits_are_enforced()
    {
        var deep = """{"type":"tags","op":"has_any","tag_ids":[1]}""";
        for (var i = 0; i < ConditionLimits.MaxDepth + 1; i++)
        {
            deep = $$"""{"type":"not","child":{{deep}}}""";
        }
        var depthErrors = ParseErrors(Wrap(deep));
        Assert.Contains("levels deep", Assert.Single(depthErrors).Message);

        var many = string.Join(",", Enumerable.Repeat("""{"type":"tags","op":"has_any","tag_ids":[1]}""", ConditionLimits.MaxNodes + 5));
        var sizeErrors = ParseErrors(Wrap($$"""{"type":"any","children":[{{many}}]}"""));
        Assert.Equal($"condition.root.children[{ConditionLimits.MaxNodes - 1}]", Assert.Single(sizeErrors).Path);
    }
}
