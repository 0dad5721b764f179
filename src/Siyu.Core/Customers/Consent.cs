namespace Siyu.Core.Customers;

/// <summary>
/// The channels and topics consent is kept for; "*" as a topic means every topic of the channel. Besides messaging,
/// uses of personal data that need their own, separate consent are kept under the <see cref="DataChannel"/>: precise
/// location is sensitive personal information (PIPL art. 28–29), so LBS features (nearest store, store routing) may
/// only use it after the customer opted in, and it is off until then.
/// </summary>
public static class ConsentScopes
{
    /// <summary>1:1 messages from staff; WeCom mass sends (客户群发); SMS; app/mini-program notifications; "*" = every channel.</summary>
    public static readonly IReadOnlyList<string> Channels = ["wecom_private", "wecom_mass", "sms", "app", "*"];

    public static readonly IReadOnlyList<string> Topics = ["marketing", "service", "transactional", "reminder", "*"];

    /// <summary>Consent for a use of data rather than a message channel.</summary>
    public const string DataChannel = "data";

    /// <summary>The data uses under <see cref="DataChannel"/>: <c>location</c> (LBS store features).</summary>
    public static readonly IReadOnlyList<string> DataUses = ["location"];

    public const string Location = "location";
    public const string AllTopics = "*";
    public const string AllChannels = "*";

    /// <summary>
    /// Whether a data use is allowed by these consent marks: only after an explicit opt-in, and not when a later revoke
    /// of everything (an erasure) came after it.
    /// </summary>
    public static bool AllowsDataUse(IEnumerable<(string Channel, string Topic, bool Granted, long Ticks)> marks, string use)
    {
        (bool Granted, long Ticks)? opt = null, all = null;
        foreach (var m in marks)
        {
            if (m.Channel == DataChannel && m.Topic == use)
            {
                opt = (m.Granted, m.Ticks);
            }
            else if (m.Channel == AllChannels && m.Topic == AllTopics)
            {
                all = (m.Granted, m.Ticks);
            }
        }
        return opt is { Granted: true } o && !(all is { Granted: false } a && a.Ticks >= o.Ticks);
    }

    /// <summary>Null when (channel, topic) is a scope consent is kept for; else what is wrong, naming the field.</summary>
    public static (string Field, string Message)? Check(string? channel, string? topic)
    {
        if (channel == DataChannel)
        {
            return topic is not null && DataUses.Contains(topic) ? null : ("topic", $"For channel '{DataChannel}' the topic is a data use: {string.Join(", ", DataUses)}.");
        }
        if (channel is null || !Channels.Contains(channel))
        {
            return ("channel", $"One of {string.Join(", ", Channels)}, or '{DataChannel}' for data uses.");
        }
        return topic is not null && Topics.Contains(topic) ? null : ("topic", $"One of {string.Join(", ", Topics)} (* = every topic).");
    }
}
