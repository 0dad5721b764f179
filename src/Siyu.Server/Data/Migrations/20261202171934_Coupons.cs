using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class Coupons : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "coupon_templates",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    FaceValueFen = table.Column<long>(type: "INTEGER", nullable: false),
                    PercentOff = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxDiscountFen = table.Column<long>(type: "INTEGER", nullable: true),
                    GiftName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    MinSpendFen = table.Column<long>(type: "INTEGER", nullable: false),
                    ValidFromTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    ValidUntilTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    ValidDays = table.Column<int>(type: "INTEGER", nullable: true),
                    TotalStock = table.Column<int>(type: "INTEGER", nullable: false),
                    Remaining = table.Column<int>(type: "INTEGER", nullable: false),
                    PerCustomerLimit = table.Column<int>(type: "INTEGER", nullable: false),
                    PerDayIssueCap = table.Column<int>(type: "INTEGER", nullable: true),
                    DayKey = table.Column<int>(type: "INTEGER", nullable: false),
                    DayIssued = table.Column<int>(type: "INTEGER", nullable: false),
                    Redeemed = table.Column<int>(type: "INTEGER", nullable: false),
                    Categories = table.Column<string>(type: "TEXT", nullable: false),
                    Stores = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_coupon_templates", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "coupons",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    TemplateId = table.Column<long>(type: "INTEGER", nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    IssuedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    IssuedBy = table.Column<string>(type: "TEXT", nullable: false),
                    ValidFromTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    ValidUntilTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    RedeemedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    OrderId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    StoreId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    OrderAmountFen = table.Column<long>(type: "INTEGER", nullable: true),
                    DiscountFen = table.Column<long>(type: "INTEGER", nullable: true),
                    RedeemedBy = table.Column<string>(type: "TEXT", nullable: true),
                    ExpiredAtTicks = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_coupons", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_coupon_templates_TenantId_Id",
                table: "coupon_templates",
                columns: new[] { "TenantId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_coupons_Status_ValidUntilTicks",
                table: "coupons",
                columns: new[] { "Status", "ValidUntilTicks" });

            migrationBuilder.CreateIndex(
                name: "IX_coupons_TenantId_Code",
                table: "coupons",
                columns: new[] { "TenantId", "Code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_coupons_TenantId_CustomerId",
                table: "coupons",
                columns: new[] { "TenantId", "CustomerId" });

            migrationBuilder.CreateIndex(
                name: "IX_coupons_TenantId_TemplateId_CustomerId",
                table: "coupons",
                columns: new[] { "TenantId", "TemplateId", "CustomerId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "coupon_templates");

            migrationBuilder.DropTable(
                name: "coupons");
        }
    }
}
