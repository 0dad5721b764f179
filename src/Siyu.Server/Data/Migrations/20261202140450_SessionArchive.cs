using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class SessionArchive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "archive_keys",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    PrivateKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Fingerprint = table.Column<string>(type: "TEXT", nullable: false),
                    KeySize = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_keys", x => new { x.TenantId, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "archive_messages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    MsgId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    MsgTimeMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    FromId = table.Column<string>(type: "TEXT", nullable: false),
                    ToList = table.Column<string>(type: "TEXT", nullable: false),
                    RoomId = table.Column<string>(type: "TEXT", nullable: false),
                    StaffUserId = table.Column<string>(type: "TEXT", nullable: true),
                    ExternalUserId = table.Column<string>(type: "TEXT", nullable: true),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: true),
                    FromCustomer = table.Column<bool>(type: "INTEGER", nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Revoked = table.Column<bool>(type: "INTEGER", nullable: false),
                    RevokesMsgId = table.Column<string>(type: "TEXT", nullable: true),
                    ReceivedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_messages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "archive_settings",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RetentionDays = table.Column<int>(type: "INTEGER", nullable: false),
                    Cursor = table.Column<long>(type: "INTEGER", nullable: false),
                    CursorUpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_settings", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "archive_terms",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Term = table.Column<long>(type: "INTEGER", nullable: false),
                    MessageId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_terms", x => new { x.TenantId, x.Term, x.MessageId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_TenantId_CustomerId_MsgTimeMs",
                table: "archive_messages",
                columns: new[] { "TenantId", "CustomerId", "MsgTimeMs" });

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_TenantId_MsgId",
                table: "archive_messages",
                columns: new[] { "TenantId", "MsgId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_TenantId_MsgTimeMs",
                table: "archive_messages",
                columns: new[] { "TenantId", "MsgTimeMs" });

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_TenantId_RevokesMsgId",
                table: "archive_messages",
                columns: new[] { "TenantId", "RevokesMsgId" });

            migrationBuilder.CreateIndex(
                name: "IX_archive_terms_MessageId",
                table: "archive_terms",
                column: "MessageId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "archive_keys");

            migrationBuilder.DropTable(
                name: "archive_messages");

            migrationBuilder.DropTable(
                name: "archive_settings");

            migrationBuilder.DropTable(
                name: "archive_terms");
        }
    }
}
