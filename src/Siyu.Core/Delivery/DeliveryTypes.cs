using System.Text.Json.Serialization;

namespace Siyu.Core.Delivery;

/// <summary>The way a message reaches its recipient. Wire names are the snake_case names used in settings and events.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryChannel>))]
public enum DeliveryChannel
{
    /// <summary>1:1 through the customer's staff member (sidebar, SOP task, single-recipient send).</summary>
    [JsonStringEnumMemberName("wecom_private")] WeComPrivate,

    /// <summary>客户群发: <c>externalcontact/add_msg_template</c>, a task the staff member confirms.</summary>
    [JsonStringEnumMemberName("wecom_mass")] WeComMass,

    /// <summary>欢迎语 with the add event's <c>welcome_code</c> (valid about 20 seconds, once).</summary>
    [JsonStringEnumMemberName("wecom_welcome")] WeComWelcome,

    [JsonStringEnumMemberName("sms")] Sms,

    /// <summary>WeCom app message (<c>message/send</c>) to a staff member; the "customer" context is then the staff member's.</summary>
    [JsonStringEnumMemberName("app")] App,
}

/// <summary>What a message is about; consent, caps and quiet hours treat topics differently.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryTopic>))]
public enum DeliveryTopic
{
    /// <summary>Promotions, campaigns, content pushes.</summary>
    [JsonStringEnumMemberName("marketing")] Marketing,

    /// <summary>Customer service: answers, after-sales follow-up, account notices.</summary>
    [JsonStringEnumMemberName("service")] Service,

    /// <summary>Caused by the customer's own transaction: order, payment, shipping, verification codes.</summary>
    [JsonStringEnumMemberName("transactional")] Transactional,

    /// <summary>Reminders the customer can expect: appointments, classes, renewals (通知类, not 营销类).</summary>
    [JsonStringEnumMemberName("reminder")] Reminder,
}

/// <summary>The wire names of channels and topics (settings, events, API), in one place.</summary>
public static class DeliveryNames
{
    public static readonly IReadOnlyList<string> Channels = ["wecom_private", "wecom_mass", "wecom_welcome", "sms", "app"];

    public static readonly IReadOnlyList<string> Topics = ["marketing", "service", "transactional", "reminder"];

    public static string Of(DeliveryChannel channel) => Channels[(int)channel];

    public static string Of(DeliveryTopic topic) => Topics[(int)topic];

    public static bool TryParseChannel(string? name, out DeliveryChannel channel)
    {
        var i = name is null ? -1 : IndexOf(Channels, name);
        channel = (DeliveryChannel)Math.Max(i, 0);
        return i >= 0;
    }

    public static bool TryParseTopic(string? name, out DeliveryTopic topic)
    {
        var i = name is null ? -1 : IndexOf(Topics, name);
        topic = (DeliveryTopic)Math.Max(i, 0);
        return i >= 0;
    }

    internal static string ZhOf(DeliveryChannel channel) => channel switch
    {
        DeliveryChannel.WeComPrivate => "企业微信单聊",
        DeliveryChannel.WeComMass => "客户群发",
        DeliveryChannel.WeComWelcome => "欢迎语",
        DeliveryChannel.Sms => "短信",
        _ => "应用消息",
    };

    internal static string ZhOf(DeliveryTopic topic) => topic switch
    {
        DeliveryTopic.Marketing => "营销",
        DeliveryTopic.Service => "服务",
        DeliveryTopic.Transactional => "交易",
        _ => "提醒",
    };

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>One message the customer received (or that was handed to the channel for them), for frequency caps.</summary>
public sealed record DeliveryRecord(
    [property: JsonPropertyName("channel")] DeliveryChannel Channel,
    [property: JsonPropertyName("topic")] DeliveryTopic Topic,
    [property: JsonPropertyName("sent_at_utc_ticks")] long SentAtUtcTicks);

/// <summary>A candidate outbound message. <see cref="AttachmentTexts"/> are link titles/descriptions etc., reviewed like the text.</summary>
public sealed record DeliveryRequest(DeliveryChannel Channel, DeliveryTopic Topic, string Text)
{
    public IReadOnlyList<string> AttachmentTexts { get; init; } = [];

    /// <summary>
    /// Set by the server when a reviewer approved exactly this content after a NeedsApproval decision: review-level
    /// hits then no longer hold the message back. Block-level hits still block; approval cannot override the law.
    /// </summary>
    public bool ContentApproved { get; init; }
}

/// <summary>
/// How many corp mass messages (客户群发) the customer accepts: WeCom's default is as many per calendar month as the
/// month has days; the customer can switch to 7 per week or 1 per day (see /work/shared/docs/wecom.md, "Mass send").
/// WeCom does not tell the corp which one a customer chose, so this is the default unless Siyu learnt otherwise.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<WeComMassReceiveLimit>))]
public enum WeComMassReceiveLimit
{
    [JsonStringEnumMemberName("days_in_month")] DaysInMonth,
    [JsonStringEnumMemberName("seven_per_week")] SevenPerWeek,
    [JsonStringEnumMemberName("one_per_day")] OnePerDay,
}

/// <summary>What the pipeline needs to know about the recipient: consent, recent deliveries and WeCom's view of them.</summary>
public sealed record CustomerDeliveryContext(ConsentState Consent, IReadOnlyList<DeliveryRecord> History)
{
    public static CustomerDeliveryContext Empty { get; } = new(ConsentState.Empty, []);

    public WeComMassReceiveLimit MassReceiveLimit { get; init; } = WeComMassReceiveLimit.DaysInMonth;

    /// <summary>
    /// When WeCom last answered status 3 (receive cap reached) for this customer in <c>get_groupmsg_send_result</c>:
    /// the customer is capped for the rest of that period even if Siyu counted fewer (mass sends from other tools count too).
    /// </summary>
    public long? MassLimitReportedAtUtcTicks { get; init; }
}
