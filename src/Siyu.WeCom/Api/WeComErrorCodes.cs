namespace Siyu.WeCom.Api;

/// <summary>The errcodes Siyu reacts to (WeCom's global error code page).</summary>
public static class WeComErrorCodes
{
    public const int Ok = 0;
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidCorpId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidParameter = 40058;
    public const int InvalidTagId = 40068;
    public const int TagNameExists = 40071;
    public const int MissingAccessToken = 41001;
    public const int WelcomeCodeUsed = 41051;
    public const int WelcomeMessageBusy = 41096;
    public const int AccessTokenExpired = 42001;
    public const int SuiteAccessTokenExpired = 42009;
    public const int ApiFrequencyLimit = 45009;
    public const int ApiConcurrencyLimit = 45033;
    public const int NoPrivilege = 60011;
    public const int UserNotFound = 60111;
    public const int NotExternalContact = 84061;

    /// <summary>Errcodes meaning "this token is no good": refresh once and retry.</summary>
    public static bool IsTokenError(int errCode) =>
        errCode is InvalidCredential or InvalidAccessToken or AccessTokenExpired or SuiteAccessTokenExpired;
}
