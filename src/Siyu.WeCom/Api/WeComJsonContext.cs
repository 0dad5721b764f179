using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>The errcode/errmsg every WeCom response carries (0 = ok).</summary>
public sealed record WeComStatus
{
    [JsonPropertyName("errcode")] public int ErrCode { get; init; }
    [JsonPropertyName("errmsg")] public string? ErrMsg { get; init; }
}

internal sealed record TokenResponse
{
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("expires_in")] public long ExpiresIn { get; init; }
}

/// <summary>Source-generated serialization for every WeCom DTO.</summary>
// Optional request fields are omitted rather than sent as null: WeCom treats some present-but-null fields as invalid.
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WeComStatus))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(DepartmentListResponse))]
[JsonSerializable(typeof(UserListIdRequest))]
[JsonSerializable(typeof(WeComUserIdPage))]
[JsonSerializable(typeof(WeComUser))]
[JsonSerializable(typeof(FollowUserListResponse))]
[JsonSerializable(typeof(ExternalContactListResponse))]
[JsonSerializable(typeof(WeComExternalContactDetail))]
[JsonSerializable(typeof(BatchGetByUserRequest))]
[JsonSerializable(typeof(WeComExternalContactPage))]
[JsonSerializable(typeof(WeComRemarkUpdate))]
[JsonSerializable(typeof(CorpTagListRequest))]
[JsonSerializable(typeof(CorpTagListResponse))]
[JsonSerializable(typeof(WeComAddCorpTagRequest))]
[JsonSerializable(typeof(AddCorpTagResponse))]
[JsonSerializable(typeof(MarkTagRequest))]
[JsonSerializable(typeof(WeComContactWay))]
[JsonSerializable(typeof(WeComContactWayCreated))]
[JsonSerializable(typeof(ConfigIdRequest))]
[JsonSerializable(typeof(GetContactWayResponse))]
[JsonSerializable(typeof(ListContactWayRequest))]
[JsonSerializable(typeof(WeComContactWayPage))]
[JsonSerializable(typeof(WeComWelcomeMessage))]
[JsonSerializable(typeof(WeComMsgTemplate))]
[JsonSerializable(typeof(WeComMsgTemplateResult))]
[JsonSerializable(typeof(WeComAppMessage))]
[JsonSerializable(typeof(WeComAppMessageResult))]
[JsonSerializable(typeof(WeComJsApiTicket))]
[JsonSerializable(typeof(WeComOAuthUser))]
[JsonSerializable(typeof(EditCorpTagRequest))]
[JsonSerializable(typeof(DelCorpTagRequest))]
[JsonSerializable(typeof(WeComContactWayUpdate))]
[JsonSerializable(typeof(WeComGroupChatListRequest))]
[JsonSerializable(typeof(WeComGroupChatPage))]
[JsonSerializable(typeof(GroupChatGetRequest))]
[JsonSerializable(typeof(GroupChatGetResponse))]
[JsonSerializable(typeof(WeComJoinWay))]
[JsonSerializable(typeof(WeComJoinWayCreated))]
[JsonSerializable(typeof(GetJoinWayResponse))]
[JsonSerializable(typeof(WeComGroupWelcomeTemplate))]
[JsonSerializable(typeof(WeComGroupWelcomeTemplateCreated))]
[JsonSerializable(typeof(TemplateIdRequest))]
[JsonSerializable(typeof(WeComGroupMsgListRequest))]
[JsonSerializable(typeof(WeComGroupMsgPage))]
[JsonSerializable(typeof(GroupMsgTaskRequest))]
[JsonSerializable(typeof(WeComGroupMsgTaskPage))]
[JsonSerializable(typeof(GroupMsgSendResultRequest))]
[JsonSerializable(typeof(WeComGroupMsgSendResultPage))]
[JsonSerializable(typeof(WeComTransferCustomerRequest))]
[JsonSerializable(typeof(TransferCustomerResponse))]
[JsonSerializable(typeof(TransferResultRequest))]
[JsonSerializable(typeof(WeComTransferResultPage))]
internal sealed partial class WeComJsonContext : JsonSerializerContext;
