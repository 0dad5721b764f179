namespace Siyu.WeCom.Api;

/// <summary>The errcodes Siyu reacts to (WeCom's global error code page).</summary>
public static class WeComErrorCodes
{
    public const int Ok = 0;
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidUserId = 40003;
    public const int InvalidCorpId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidChatId = 40050;
    public const int InvalidParameter = 40058;
    public const int InvalidTagId = 40068;
    public const int TagNameExists = 40071;

    /// <summary>transfer: the external_userid is not one of the corp's customers.</summary>
    public const int InvalidExternalUserId = 40096;

    /// <summary>resigned/transfer_customer: the handover member has not left the corp.</summary>
    public const int HandoverNotResigned = 40097;

    /// <summary>transfer: the takeover member has as many customers as allowed.</summary>
    public const int TakeoverCustomerLimit = 40099;

    /// <summary>transfer: the customer was transferred too often (on-job: at most twice in 90 days).</summary>
    public const int TransferTooFrequent = 40128;

    /// <summary>transfer: the customer is being transferred already (waiting for takeover).</summary>
    public const int TransferInProgress = 40129;

    /// <summary>transfer: handover and takeover are the same member.</summary>
    public const int HandoverIsTakeover = 40130;

    /// <summary>transfer: the handover member does not follow this customer.</summary>
    public const int HandoverNotFollower = 40131;

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
