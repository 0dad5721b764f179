using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Events;
using Siyu.Core.Messaging;
using Xunit;

namespace Siyu.Core.Tests.Messaging;

public sealed class MessageTemplateTests
{
    private static MessageTemplate Parse(string text, IReadOnlySet<string>? known = null)
    {
        var result = MessageTemplate.Parse(text, known);
        Assert.True(result.Success, string.Join("; ", result.Errors));
        Assert.Empty(result.Errors);
        return result.Template!;
    }

    private static string Render(string template, params (string Name, string? Value)[] values) =>
        Parse(template).Render(new DictionaryTemplateValues(values.ToDictionary(v => v.Name, v => v.Value)));

    private static IReadOnlyList<FieldError> Errors(string text, IReadOnlySet<string>? known = null)
    {
        var result = MessageTemplate.Parse(text, known, path: "steps[2].content");
        Assert.Null(result.Template);
        return result.Errors;
    }

    [Fact]
    public void Fields_and_chinese_attribute_names_are_replaced()
    {
        Assert.Equal(
            "韩梅梅您好，您的会员等级是金卡。",
            Render("{{name}}您好，您的会员等级是{{attributes.会员等级}}。", ("name", "韩梅梅"), ("attributes.会员等级", "金卡")));
    }

    [Fact]
    public void Missing_or_blank_values_use_the_default_or_nothing()
    {
        const string template = "{{name|亲爱的顾客}}，{{ city }}见！{{name}}";
        Assert.Equal("亲爱的顾客，见！", Render(template));
        Assert.Equal("亲爱的顾客，上海见！", Render(template, ("name", "  "), ("city", "上海")));
        Assert.Equal("李雷，见！李雷", Render(template, ("name", "李雷"), ("city", null)));
    }

    [Theory]
    [InlineData("1234.5", "¥1,234.50")]
    [InlineData("1234567.891", "¥1,234,567.89")]
    [InlineData("0", "¥0.00")]
    [InlineData("0.005", "¥0.01")]     // half away from zero, as a till does, not banker's rounding
    [InlineData("2.675", "¥2.68")]     // decimal, so no binary 2.67499… surprise
    [InlineData("-12", "-¥12.00")]
    [InlineData("1e3", "¥1,000.00")]
    [InlineData("abc", "无")]           // unreadable counts as missing
    public void Money_formats_yuan_with_separators_and_two_decimals(string value, string expected) =>
        Assert.Equal($"累计消费{expected}", Render("累计消费{{spend|money|无}}", ("spend", value)));

    [Theory]
    [InlineData("1990-05-20", "MM月dd日", "05月20日")]
    [InlineData("1990/5/2", "M月d日", "5月2日")]
    [InlineData("2026-05-20", "yyyy年M月d日 dddd", "2026年5月20日 星期三")] // 2026-01-01 is a Thursday; 139 days later, a Wednesday
    [InlineData("2026-05-20T23:30:00+08:00", "M月d日 HH:mm", "5月20日 23:30")] // printed in its own offset, not converted
    [InlineData("不详", "MM月dd日", "")]
    public void Dates_format_in_chinese(string value, string format, string expected) =>
        Assert.Equal(expected, Render($"{{{{birthday|date:{format}}}}}", ("birthday", value)));

    [Fact]
    public void A_bare_date_format_is_the_chinese_long_date() =>
        Assert.Equal("1990年5月20日", Render("{{birthday|date}}", ("birthday", "1990-05-20")));

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("8613812345678", "861******5678")]
    [InlineData("王小明", "王*明")]
    [InlineData("欧阳娜娜", "欧**娜")]
    [InlineData("张三", "张*")]
    [InlineData("李", "*")]
    [InlineData("😀小明", "😀*明")] // the emoji is one character, not two halves of a surrogate pair
    public void Mask_hides_the_middle(string value, string expected) =>
        Assert.Equal(expected, Render("{{name|mask}}", ("name", value)));

    [Fact]
    public void Format_and_default_combine_in_either_order()
    {
        Assert.Equal("¥0.00|0元", Render("{{spend|money|0元}}|{{orders|0元|money}}", ("spend", "0")));
        var p = Parse("{{spend|0元|money}}").Placeholders.Single();
        Assert.Equal(new TemplatePlaceholder("spend", TemplateFormat.Money, null, "0元", 0), p);
    }

    [Fact]
    public void A_default_that_reads_like_a_format_is_written_with_default_colon()
    {
        Assert.Equal("money", Render("{{x|default:money}}"));
        Assert.Equal("guest", Render("{{x|guest}}"));           // a plain word that is no format is a default
        Assert.Equal("时间:未知", Render("{{x|时间:未知}}"));
    }

    [Fact]
    public void Backslash_brace_brace_is_a_literal_and_other_braces_are_text()
    {
        Assert.Equal("写 {{name}} 显示名字 {a} }} \\ 李雷", Render("写 \\{{name}} 显示名字 {a} }} \\ {{name}}", ("name", "李雷")));
    }

    [Fact]
    public void Values_are_never_expanded_as_templates()
    {
        Assert.Equal("{{spend|money}}", Render("{{name}}", ("name", "{{spend|money}}"), ("spend", "1")));
    }

    [Property(MaxTest = 300)]
    public void Text_without_braces_or_backslashes_renders_unchanged(NonNull<string> raw)
    {
        var text = raw.Get.Replace("{", "").Replace("\\", "");
        Assert.Equal(text, Render(text));
    }

    [Property(MaxTest = 300)]
    public void Any_non_blank_value_is_inserted_verbatim(NonNull<string> raw)
    {
        var value = raw.Get;
        var expected = string.IsNullOrWhiteSpace(value) ? "默认" : value;
        Assert.Equal("<" + expected + ">", Render("<{{name|默认}}>", ("name", value)));
    }

    [Fact]
    public void Unknown_fields_are_errors_with_line_column_and_a_suggestion()
    {
        var known = new HashSet<string> { "name", "city", "attributes.会员等级" };

        Assert.Equal(
            [
                new FieldError("steps[2].content", "Line 1, column 5: Unknown field 'nmae' (did you mean 'name'?)."),
                // Column counts the space inside the braces: the error points at the name itself.
                new FieldError("steps[2].content", "Line 2, column 6: Unknown field 'attributes.会员积分' (did you mean 'attributes.会员等级'?)."),
            ],
            Errors("您好{{nmae}}，\n积分{{ attributes.会员积分 }}", known));
        Assert.Equal(
            [new FieldError("template", "Line 1, column 3: Unknown field 'xyz'.")], // nothing within two edits: no guess
            MessageTemplate.Parse("{{xyz}}", known).Errors);
        Assert.Empty(MessageTemplate.Parse("{{name}}{{attributes.会员等级}}", known).Errors);
    }

    [Theory]
    [InlineData("您好{{name", "Line 1, column 3: '{{' is not closed by '}}' (write \\{{ for a literal '{{').")]
    [InlineData("{{name {{city}}", "Line 1, column 1: '{{' is not closed by '}}' (write \\{{ for a literal '{{').")]
    [InlineData("a{{ }}", "Line 1, column 2: Empty placeholder: a field name is required, e.g. {{name}}.")]
    [InlineData("{{na me}}", "Line 1, column 3: 'na me' is not a field name (letters, digits and _, dotted: name, attributes.会员等级).")]
    [InlineData("{{1st}}", "Line 1, column 3: '1st' is not a field name (letters, digits and _, dotted: name, attributes.会员等级).")]
    [InlineData("{{a..b}}", "Line 1, column 3: 'a..b' is not a field name (letters, digits and _, dotted: name, attributes.会员等级).")]
    [InlineData("{{name|}}", "Line 1, column 8: Nothing after '|': write a format (money, mask, date:…) or a default.")]
    [InlineData("{{spend|money|mask}}", "Line 1, column 15: A placeholder has at most one format.")]
    [InlineData("{{name|甲|乙}}", "Line 1, column 10: A placeholder has at most one default.")]
    [InlineData("{{spend|number:2}}", "Line 1, column 9: Unknown format 'number' (money, mask, date:…; write default:number:2 for a literal default).")]
    [InlineData("{{spend|money:2}}", "Line 1, column 9: 'money' takes no argument.")]
    [InlineData("{{birthday|date:'MM}}", "Line 1, column 12: ''MM' is not a date format (yyyy 年, MM 月, dd 日, HH:mm, dddd 星期).")]
    public void Malformed_placeholders_are_errors_at_their_position(string text, string message) =>
        Assert.Equal([new FieldError("steps[2].content", message)], Errors(text));

    [Fact]
    public void Every_error_of_a_template_is_reported_at_once()
    {
        Assert.Equal(3, Errors("{{}} {{a|money|mask}} {{b").Count);
    }

    [Fact]
    public void The_template_lists_the_fields_it_reads()
    {
        var t = Parse("{{name}} {{birthday|date:M月d日}} {{name|您}} {{attributes.会员等级}}");
        Assert.Equal(["name", "birthday", "attributes.会员等级"], t.Fields);
        Assert.Equal(4, t.Placeholders.Count);
        Assert.Equal(new TemplatePlaceholder("birthday", TemplateFormat.Date, "M月d日", null, 9), t.Placeholders[1]);
    }

    [Fact]
    public void Overlong_templates_are_refused()
    {
        var result = MessageTemplate.Parse(new string('好', MessageTemplate.MaxLength + 1));
        Assert.Equal([new FieldError("template", "At most 20,000 characters.")], result.Errors);
    }
}
