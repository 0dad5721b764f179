using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class WeCom : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "WeComGroupId",
                table: "tag_groups",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "channel_code_stats",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    ChannelId = table.Column<long>(type: "INTEGER", nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    StaffUserId = table.Column<string>(type: "TEXT", nullable: false),
                    Adds = table.Column<int>(type: "INTEGER", nullable: false),
                    Deletes = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_channel_code_stats", x => new { x.TenantId, x.ChannelId, x.Day, x.StaffUserId });
                });

            migrationBuilder.CreateTable(
                name: "channel_codes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", nullable: false),
                    ConfigId = table.Column<string>(type: "TEXT", nullable: true),
                    QrCode = table.Column<string>(type: "TEXT", nullable: true),
                    Staff = table.Column<string>(type: "TEXT", nullable: false),
                    BackupStaff = table.Column<string>(type: "TEXT", nullable: false),
                    ActiveStaff = table.Column<string>(type: "TEXT", nullable: false),
                    TagIds = table.Column<string>(type: "TEXT", nullable: false),
                    Remark = table.Column<string>(type: "TEXT", nullable: true),
                    SkipVerify = table.Column<bool>(type: "INTEGER", nullable: false),
                    Welcome = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletedAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_channel_codes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "customer_group_members",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    ChatId = table.Column<string>(type: "TEXT", nullable: false),
                    MemberId = table.Column<string>(type: "TEXT", nullable: false),
                    Type = table.Column<int>(type: "INTEGER", nullable: false),
                    JoinTimeTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    JoinScene = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_group_members", x => new { x.TenantId, x.ChatId, x.MemberId });
                });

            migrationBuilder.CreateTable(
                name: "customer_groups",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    ChatId = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: true),
                    Owner = table.Column<string>(type: "TEXT", nullable: true),
                    Notice = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    DismissedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Members = table.Column<int>(type: "INTEGER", nullable: false),
                    ExternalMembers = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_groups", x => new { x.TenantId, x.ChatId });
                });

            migrationBuilder.CreateTable(
                name: "customer_transfers",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    HandoverUserId = table.Column<string>(type: "TEXT", nullable: false),
                    TakeoverUserId = table.Column<string>(type: "TEXT", nullable: false),
                    ExternalUserId = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    ErrCode = table.Column<int>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: true),
                    RequestedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_transfers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "departments",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Id = table.Column<long>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    ParentId = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_departments", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "staff",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: true),
                    Mobile = table.Column<string>(type: "TEXT", nullable: true),
                    Position = table.Column<string>(type: "TEXT", nullable: true),
                    Departments = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_staff", x => new { x.TenantId, x.UserId });
                });

            migrationBuilder.CreateTable(
                name: "wecom_inbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    DedupKey = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    Xml = table.Column<string>(type: "TEXT", nullable: false),
                    ReceivedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    ProcessedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wecom_inbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "wecom_settings",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CorpId = table.Column<string>(type: "TEXT", nullable: false),
                    AgentId = table.Column<long>(type: "INTEGER", nullable: true),
                    ProtectedSecret = table.Column<string>(type: "TEXT", nullable: true),
                    Token = table.Column<string>(type: "TEXT", nullable: false),
                    ProtectedAesKey = table.Column<string>(type: "TEXT", nullable: true),
                    ApiBaseAddress = table.Column<string>(type: "TEXT", nullable: true),
                    UpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wecom_settings", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "wecom_sync_runs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Staff = table.Column<int>(type: "INTEGER", nullable: false),
                    Customers = table.Column<int>(type: "INTEGER", nullable: false),
                    Tags = table.Column<int>(type: "INTEGER", nullable: false),
                    Groups = table.Column<int>(type: "INTEGER", nullable: false),
                    Error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wecom_sync_runs", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_channel_codes_TenantId_State",
                table: "channel_codes",
                columns: new[] { "TenantId", "State" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_customer_group_members_TenantId_MemberId",
                table: "customer_group_members",
                columns: new[] { "TenantId", "MemberId" });

            migrationBuilder.CreateIndex(
                name: "IX_customer_transfers_TenantId_ExternalUserId",
                table: "customer_transfers",
                columns: new[] { "TenantId", "ExternalUserId" });

            migrationBuilder.CreateIndex(
                name: "IX_customer_transfers_TenantId_Status",
                table: "customer_transfers",
                columns: new[] { "TenantId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_wecom_inbox_ProcessedAtTicks_Id",
                table: "wecom_inbox",
                columns: new[] { "ProcessedAtTicks", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_wecom_inbox_TenantId_DedupKey",
                table: "wecom_inbox",
                columns: new[] { "TenantId", "DedupKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_wecom_sync_runs_TenantId_StartedAtTicks",
                table: "wecom_sync_runs",
                columns: new[] { "TenantId", "StartedAtTicks" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "channel_code_stats");

            migrationBuilder.DropTable(
                name: "channel_codes");

            migrationBuilder.DropTable(
                name: "customer_group_members");

            migrationBuilder.DropTable(
                name: "customer_groups");

            migrationBuilder.DropTable(
                name: "customer_transfers");

            migrationBuilder.DropTable(
                name: "departments");

            migrationBuilder.DropTable(
                name: "staff");

            migrationBuilder.DropTable(
                name: "wecom_inbox");

            migrationBuilder.DropTable(
                name: "wecom_settings");

            migrationBuilder.DropTable(
                name: "wecom_sync_runs");

            migrationBuilder.DropColumn(
                name: "WeComGroupId",
                table: "tag_groups");
        }
    }
}
