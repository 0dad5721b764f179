namespace Siyu.WeCom.Api;

/// <summary>A corp id and one app's secret; access tokens are cached per pair.</summary>
public sealed record WeComCredentials(string CorpId, string Secret)
{
    // Keeps the secret out of logs and exception messages that print the record.
    public override string ToString() => $"WeComCredentials {{ CorpId = {CorpId}, Secret = *** }}";
}
