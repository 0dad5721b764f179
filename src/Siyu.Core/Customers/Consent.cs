namespace Siyu.Core.Customers;

/// <summary>The channels and topics consent is kept for; "*" as a topic means every topic of the channel.</summary>
public static class ConsentScopes
{
    /// <summary>1:1 messages from staff; WeCom mass sends (客户群发); SMS; app/mini-program notifications; "*" = every channel.</summary>
    public static readonly IReadOnlyList<string> Channels = ["wecom_private", "wecom_mass", "sms", "app", "*"];

    public static readonly IReadOnlyList<string> Topics = ["marketing", "service", "transactional", "reminder", "*"];

    public const string AllTopics = "*";
    public const string AllChannels = "*";
}
