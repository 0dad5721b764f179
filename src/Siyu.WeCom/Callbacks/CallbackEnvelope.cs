namespace Siyu.WeCom.Callbacks;

/// <summary>Which header a decrypted callback carries.</summary>
public enum CallbackEnvelopeKind
{
    /// <summary>Self-built app: ToUserName / FromUserName=sys / CreateTime / MsgType=event / Event.</summary>
    SelfBuilt,

    /// <summary>Third-party suite: SuiteId / AuthCorpId / InfoType / TimeStamp.</summary>
    ThirdParty,
}

/// <summary>The header fields common to every callback, whichever envelope it arrived in.</summary>
/// <param name="CorpId">ToUserName (self-built) or AuthCorpId (third-party).</param>
/// <param name="EventType">Event (self-built) or InfoType (third-party), e.g. <c>change_external_contact</c>.</param>
/// <param name="CreateTime">CreateTime (self-built) or TimeStamp (third-party).</param>
public sealed record CallbackEnvelope(
    CallbackEnvelopeKind Kind,
    string? CorpId,
    string? SuiteId,
    string? FromUserName,
    string? MsgType,
    string? EventType,
    DateTimeOffset? CreateTime,
    string? AgentId);
