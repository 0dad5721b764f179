using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class MassSends : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mass_send_recipients",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    MassSendId = table.Column<long>(type: "INTEGER", nullable: false),
                    Target = table.Column<string>(type: "TEXT", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    Sender = table.Column<string>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    SentAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mass_send_recipients", x => new { x.TenantId, x.MassSendId, x.Target });
                });

            migrationBuilder.CreateTable(
                name: "mass_send_tasks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    MassSendId = table.Column<long>(type: "INTEGER", nullable: false),
                    Sender = table.Column<string>(type: "TEXT", nullable: false),
                    MsgId = table.Column<string>(type: "TEXT", nullable: true),
                    Targets = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    SentAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Delivered = table.Column<int>(type: "INTEGER", nullable: false),
                    NotFriend = table.Column<int>(type: "INTEGER", nullable: false),
                    LimitReached = table.Column<int>(type: "INTEGER", nullable: false),
                    Error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mass_send_tasks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "mass_sends",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    ChatType = table.Column<string>(type: "TEXT", nullable: false),
                    AudienceId = table.Column<long>(type: "INTEGER", nullable: true),
                    Condition = table.Column<string>(type: "TEXT", nullable: true),
                    StaffFilter = table.Column<string>(type: "TEXT", nullable: false),
                    ChatIds = table.Column<string>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    Attachments = table.Column<string>(type: "TEXT", nullable: true),
                    Topic = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    ScheduledAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false),
                    StartedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    FinishedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Targeted = table.Column<int>(type: "INTEGER", nullable: false),
                    Excluded = table.Column<int>(type: "INTEGER", nullable: false),
                    Error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mass_sends", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_mass_send_recipients_TenantId_CustomerId",
                table: "mass_send_recipients",
                columns: new[] { "TenantId", "CustomerId" });

            migrationBuilder.CreateIndex(
                name: "IX_mass_send_tasks_TenantId_MassSendId",
                table: "mass_send_tasks",
                columns: new[] { "TenantId", "MassSendId" });

            migrationBuilder.CreateIndex(
                name: "IX_mass_sends_TenantId_Status",
                table: "mass_sends",
                columns: new[] { "TenantId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mass_send_recipients");

            migrationBuilder.DropTable(
                name: "mass_send_tasks");

            migrationBuilder.DropTable(
                name: "mass_sends");
        }
    }
}
