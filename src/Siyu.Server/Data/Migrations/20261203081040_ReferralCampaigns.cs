using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReferralCampaigns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "referral_campaigns",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StartsAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    EndsAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    ChannelCodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    Rules = table.Column<string>(type: "TEXT", nullable: false),
                    PosterTitle = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    PosterColor = table.Column<string>(type: "TEXT", maxLength: 7, nullable: false),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    EndedAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_campaigns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "referral_invites",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CampaignId = table.Column<long>(type: "INTEGER", nullable: false),
                    ParticipantId = table.Column<long>(type: "INTEGER", nullable: false),
                    InviterId = table.Column<long>(type: "INTEGER", nullable: false),
                    InviteeId = table.Column<long>(type: "INTEGER", nullable: false),
                    StaffUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    EventKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    AddedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    DeletedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    RevokedAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_invites", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "referral_participants",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CampaignId = table.Column<long>(type: "INTEGER", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 27, nullable: false),
                    ConfigId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    QrCode = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Nickname = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    QrImage = table.Column<byte[]>(type: "BLOB", nullable: true),
                    RapidDeletes = table.Column<int>(type: "INTEGER", nullable: false),
                    Blocked = table.Column<bool>(type: "INTEGER", nullable: false),
                    JoinedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_participants", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "referral_rewards",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CampaignId = table.Column<long>(type: "INTEGER", nullable: false),
                    ParticipantId = table.Column<long>(type: "INTEGER", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    Tier = table.Column<int>(type: "INTEGER", nullable: false),
                    Invites = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Ref = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    AtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_rewards", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_referral_campaigns_TenantId_Id",
                table: "referral_campaigns",
                columns: new[] { "TenantId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_invites_TenantId_CampaignId_ParticipantId_Day",
                table: "referral_invites",
                columns: new[] { "TenantId", "CampaignId", "ParticipantId", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_invites_TenantId_EventKey",
                table: "referral_invites",
                columns: new[] { "TenantId", "EventKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referral_invites_TenantId_InviteeId",
                table: "referral_invites",
                columns: new[] { "TenantId", "InviteeId" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_participants_Code",
                table: "referral_participants",
                column: "Code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referral_participants_TenantId_CampaignId_CustomerId",
                table: "referral_participants",
                columns: new[] { "TenantId", "CampaignId", "CustomerId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referral_rewards_TenantId_CampaignId_ParticipantId_Tier",
                table: "referral_rewards",
                columns: new[] { "TenantId", "CampaignId", "ParticipantId", "Tier" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "referral_campaigns");

            migrationBuilder.DropTable(
                name: "referral_invites");

            migrationBuilder.DropTable(
                name: "referral_participants");

            migrationBuilder.DropTable(
                name: "referral_rewards");
        }
    }
}
