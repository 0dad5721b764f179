using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class GroupCodesAndCheckIns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "checkin_campaigns",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StartsAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    EndsAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    MissedDayRule = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    MakeUpsPerMonth = table.Column<int>(type: "INTEGER", nullable: false),
                    MakeUpWindowDays = table.Column<int>(type: "INTEGER", nullable: false),
                    Rewards = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    ReminderTime = table.Column<string>(type: "TEXT", maxLength: 5, nullable: true),
                    ReminderText = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    EndedAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkin_campaigns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "checkin_rewards",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CampaignId = table.Column<long>(type: "INTEGER", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    RewardIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    StreakStart = table.Column<int>(type: "INTEGER", nullable: false),
                    Milestone = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Ref = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CheckInId = table.Column<long>(type: "INTEGER", nullable: false),
                    AtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkin_rewards", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "checkins",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CampaignId = table.Column<long>(type: "INTEGER", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    MakeUp = table.Column<bool>(type: "INTEGER", nullable: false),
                    StreakStart = table.Column<int>(type: "INTEGER", nullable: false),
                    StreakLength = table.Column<int>(type: "INTEGER", nullable: false),
                    AtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkins", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "group_code_chats",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    GroupCodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    TierId = table.Column<long>(type: "INTEGER", nullable: false),
                    ChatId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    AutoCreated = table.Column<bool>(type: "INTEGER", nullable: false),
                    AddedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_code_chats", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "group_code_tiers",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    GroupCodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Rank = table.Column<int>(type: "INTEGER", nullable: false),
                    Condition = table.Column<string>(type: "TEXT", nullable: true),
                    ConfigId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    QrCode = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    State = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Listed = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    RoomBaseId = table.Column<int>(type: "INTEGER", nullable: false),
                    RotatedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    SyncError = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_code_tiers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "group_codes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RoomBaseName = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    AutoCreateRoom = table.Column<bool>(type: "INTEGER", nullable: false),
                    WelcomeText = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    WelcomeTemplateId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_codes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "group_daily_stats",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    ChatId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    Joins = table.Column<int>(type: "INTEGER", nullable: false),
                    Leaves = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_daily_stats", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "group_sops",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    GroupCodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Time = table.Column<string>(type: "TEXT", maxLength: 5, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_sops", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_checkin_campaigns_TenantId_Id",
                table: "checkin_campaigns",
                columns: new[] { "TenantId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_checkin_rewards_TenantId_CampaignId_CustomerId_RewardIndex_StreakStart_Milestone",
                table: "checkin_rewards",
                columns: new[] { "TenantId", "CampaignId", "CustomerId", "RewardIndex", "StreakStart", "Milestone" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkins_TenantId_CampaignId_CustomerId_Day",
                table: "checkins",
                columns: new[] { "TenantId", "CampaignId", "CustomerId", "Day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkins_TenantId_CampaignId_Day",
                table: "checkins",
                columns: new[] { "TenantId", "CampaignId", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_group_code_chats_TenantId_ChatId",
                table: "group_code_chats",
                columns: new[] { "TenantId", "ChatId" });

            migrationBuilder.CreateIndex(
                name: "IX_group_code_chats_TenantId_TierId_ChatId",
                table: "group_code_chats",
                columns: new[] { "TenantId", "TierId", "ChatId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_group_code_tiers_TenantId_GroupCodeId_Rank",
                table: "group_code_tiers",
                columns: new[] { "TenantId", "GroupCodeId", "Rank" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_group_codes_TenantId_Id",
                table: "group_codes",
                columns: new[] { "TenantId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_group_daily_stats_TenantId_ChatId_Day",
                table: "group_daily_stats",
                columns: new[] { "TenantId", "ChatId", "Day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_group_sops_TenantId_GroupCodeId",
                table: "group_sops",
                columns: new[] { "TenantId", "GroupCodeId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "checkin_campaigns");

            migrationBuilder.DropTable(
                name: "checkin_rewards");

            migrationBuilder.DropTable(
                name: "checkins");

            migrationBuilder.DropTable(
                name: "group_code_chats");

            migrationBuilder.DropTable(
                name: "group_code_tiers");

            migrationBuilder.DropTable(
                name: "group_codes");

            migrationBuilder.DropTable(
                name: "group_daily_stats");

            migrationBuilder.DropTable(
                name: "group_sops");
        }
    }
}
