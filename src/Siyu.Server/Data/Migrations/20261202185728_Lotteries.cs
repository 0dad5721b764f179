using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class Lotteries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "lotteries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StartsAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    EndsAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    AudienceId = table.Column<long>(type: "INTEGER", nullable: true),
                    DrawsPerDay = table.Column<int>(type: "INTEGER", nullable: false),
                    DrawsTotal = table.Column<int>(type: "INTEGER", nullable: false),
                    PointsCost = table.Column<long>(type: "INTEGER", nullable: false),
                    Seed = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Commitment = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Draws = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false),
                    EndedAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lotteries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "lottery_draws",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    LotteryId = table.Column<long>(type: "INTEGER", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    DrawNumber = table.Column<int>(type: "INTEGER", nullable: false),
                    DayKey = table.Column<int>(type: "INTEGER", nullable: false),
                    Ticket = table.Column<int>(type: "INTEGER", nullable: false),
                    PrizeId = table.Column<long>(type: "INTEGER", nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RewardStatus = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RewardRef = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    PointsPaid = table.Column<long>(type: "INTEGER", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    AtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lottery_draws", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "lottery_prizes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    LotteryId = table.Column<long>(type: "INTEGER", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Chance = table.Column<int>(type: "INTEGER", nullable: false),
                    Stock = table.Column<int>(type: "INTEGER", nullable: false),
                    Remaining = table.Column<int>(type: "INTEGER", nullable: false),
                    CouponTemplateId = table.Column<long>(type: "INTEGER", nullable: true),
                    Points = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lottery_prizes", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_lotteries_TenantId_Id",
                table: "lotteries",
                columns: new[] { "TenantId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_lottery_draws_TenantId_LotteryId_CustomerId_DrawNumber",
                table: "lottery_draws",
                columns: new[] { "TenantId", "LotteryId", "CustomerId", "DrawNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_lottery_draws_TenantId_LotteryId_Id",
                table: "lottery_draws",
                columns: new[] { "TenantId", "LotteryId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_lottery_draws_TenantId_LotteryId_IdempotencyKey",
                table: "lottery_draws",
                columns: new[] { "TenantId", "LotteryId", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_lottery_prizes_TenantId_LotteryId_Position",
                table: "lottery_prizes",
                columns: new[] { "TenantId", "LotteryId", "Position" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "lotteries");

            migrationBuilder.DropTable(
                name: "lottery_draws");

            migrationBuilder.DropTable(
                name: "lottery_prizes");
        }
    }
}
