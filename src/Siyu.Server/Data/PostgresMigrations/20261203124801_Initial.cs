using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Siyu.Server.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "alert_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    json = table.Column<string>(type: "text", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true),
                    lastrunday = table.Column<int>(type: "integer", nullable: false),
                    lastrunatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alert_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "alerts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: true),
                    staffuserid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    reason = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    lastseenatticks = table.Column<long>(type: "bigint", nullable: false),
                    acknowledgedby = table.Column<string>(type: "text", nullable: true),
                    acknowledgedatticks = table.Column<long>(type: "bigint", nullable: true),
                    resolvedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alerts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "analytics_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    rfm = table.Column<string>(type: "text", nullable: false),
                    lifecycle = table.Column<string>(type: "text", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_analytics_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    prefix = table.Column<string>(type: "text", nullable: false),
                    secrethash = table.Column<string>(type: "text", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    revokedatticks = table.Column<long>(type: "bigint", nullable: true),
                    scopes = table.Column<string>(type: "text", nullable: false),
                    expiresatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "archive_keys",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    privatekey = table.Column<byte[]>(type: "bytea", nullable: false),
                    fingerprint = table.Column<string>(type: "text", nullable: false),
                    keysize = table.Column<int>(type: "integer", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_keys", x => new { x.tenantid, x.version });
                });

            migrationBuilder.CreateTable(
                name: "archive_messages",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    msgid = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    msgtimems = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    action = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    fromid = table.Column<string>(type: "text", nullable: false),
                    tolist = table.Column<string>(type: "text", nullable: false),
                    roomid = table.Column<string>(type: "text", nullable: false),
                    staffuserid = table.Column<string>(type: "text", nullable: true),
                    externaluserid = table.Column<string>(type: "text", nullable: true),
                    customerid = table.Column<long>(type: "bigint", nullable: true),
                    fromcustomer = table.Column<bool>(type: "boolean", nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: false),
                    revoked = table.Column<bool>(type: "boolean", nullable: false),
                    revokesmsgid = table.Column<string>(type: "text", nullable: true),
                    receivedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "archive_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    retentiondays = table.Column<int>(type: "integer", nullable: false),
                    cursor = table.Column<long>(type: "bigint", nullable: false),
                    cursorupdatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "archive_terms",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    term = table.Column<long>(type: "bigint", nullable: false),
                    messageid = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archive_terms", x => new { x.tenantid, x.term, x.messageid });
                });

            migrationBuilder.CreateTable(
                name: "audiences",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    condition = table.Column<string>(type: "text", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audiences", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_log",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    atticks = table.Column<long>(type: "bigint", nullable: false),
                    actor = table.Column<string>(type: "text", nullable: false),
                    action = table.Column<string>(type: "text", nullable: false),
                    target = table.Column<string>(type: "text", nullable: true),
                    detail = table.Column<string>(type: "text", nullable: true),
                    prevhash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_log", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "channel_code_stats",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    channelid = table.Column<long>(type: "bigint", nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    staffuserid = table.Column<string>(type: "text", nullable: false),
                    adds = table.Column<int>(type: "integer", nullable: false),
                    deletes = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_channel_code_stats", x => new { x.tenantid, x.channelid, x.day, x.staffuserid });
                });

            migrationBuilder.CreateTable(
                name: "channel_codes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    configid = table.Column<string>(type: "text", nullable: true),
                    qrcode = table.Column<string>(type: "text", nullable: true),
                    staff = table.Column<string>(type: "text", nullable: false),
                    backupstaff = table.Column<string>(type: "text", nullable: false),
                    activestaff = table.Column<string>(type: "text", nullable: false),
                    tagids = table.Column<string>(type: "text", nullable: false),
                    remark = table.Column<string>(type: "text", nullable: true),
                    skipverify = table.Column<bool>(type: "boolean", nullable: false),
                    welcome = table.Column<string>(type: "text", nullable: true),
                    customerremark = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_channel_codes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "checkin_campaigns",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    startsatticks = table.Column<long>(type: "bigint", nullable: true),
                    endsatticks = table.Column<long>(type: "bigint", nullable: true),
                    misseddayrule = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    makeupspermonth = table.Column<int>(type: "integer", nullable: false),
                    makeupwindowdays = table.Column<int>(type: "integer", nullable: false),
                    rewards = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    remindertime = table.Column<string>(type: "character varying(5)", maxLength: 5, nullable: true),
                    remindertext = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    endedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkin_campaigns", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "checkin_rewards",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    campaignid = table.Column<long>(type: "bigint", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    rewardindex = table.Column<int>(type: "integer", nullable: false),
                    streakstart = table.Column<int>(type: "integer", nullable: false),
                    milestone = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    @ref = table.Column<string>(name: "ref", type: "character varying(200)", maxLength: 200, nullable: true),
                    checkinid = table.Column<long>(type: "bigint", nullable: false),
                    atticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkin_rewards", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "checkins",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    campaignid = table.Column<long>(type: "bigint", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    makeup = table.Column<bool>(type: "boolean", nullable: false),
                    streakstart = table.Column<int>(type: "integer", nullable: false),
                    streaklength = table.Column<int>(type: "integer", nullable: false),
                    atticks = table.Column<long>(type: "bigint", nullable: false),
                    actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkins", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "console_users",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    passwordhash = table.Column<string>(type: "text", nullable: false),
                    role = table.Column<string>(type: "text", nullable: false),
                    displayname = table.Column<string>(type: "text", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    datascope = table.Column<string>(type: "text", nullable: false),
                    staffuserid = table.Column<string>(type: "text", nullable: true),
                    departmentid = table.Column<long>(type: "bigint", nullable: true),
                    disabledatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_console_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "coupon_templates",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    facevaluefen = table.Column<long>(type: "bigint", nullable: false),
                    percentoff = table.Column<int>(type: "integer", nullable: false),
                    maxdiscountfen = table.Column<long>(type: "bigint", nullable: true),
                    giftname = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    minspendfen = table.Column<long>(type: "bigint", nullable: false),
                    validfromticks = table.Column<long>(type: "bigint", nullable: true),
                    validuntilticks = table.Column<long>(type: "bigint", nullable: true),
                    validdays = table.Column<int>(type: "integer", nullable: true),
                    totalstock = table.Column<int>(type: "integer", nullable: false),
                    remaining = table.Column<int>(type: "integer", nullable: false),
                    percustomerlimit = table.Column<int>(type: "integer", nullable: false),
                    perdayissuecap = table.Column<int>(type: "integer", nullable: true),
                    daykey = table.Column<int>(type: "integer", nullable: false),
                    dayissued = table.Column<int>(type: "integer", nullable: false),
                    redeemed = table.Column<int>(type: "integer", nullable: false),
                    categories = table.Column<string>(type: "text", nullable: false),
                    stores = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_coupon_templates", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "coupons",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    templateid = table.Column<long>(type: "bigint", nullable: false),
                    code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    issuedatticks = table.Column<long>(type: "bigint", nullable: false),
                    issuedby = table.Column<string>(type: "text", nullable: false),
                    issuekey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    validfromticks = table.Column<long>(type: "bigint", nullable: false),
                    validuntilticks = table.Column<long>(type: "bigint", nullable: false),
                    redeemedatticks = table.Column<long>(type: "bigint", nullable: true),
                    orderid = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    storeid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    orderamountfen = table.Column<long>(type: "bigint", nullable: true),
                    discountfen = table.Column<long>(type: "bigint", nullable: true),
                    redeemedby = table.Column<string>(type: "text", nullable: true),
                    expiredatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_coupons", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "customer_group_members",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    chatid = table.Column<string>(type: "text", nullable: false),
                    memberid = table.Column<string>(type: "text", nullable: false),
                    type = table.Column<int>(type: "integer", nullable: false),
                    jointimeticks = table.Column<long>(type: "bigint", nullable: false),
                    joinscene = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_group_members", x => new { x.tenantid, x.chatid, x.memberid });
                });

            migrationBuilder.CreateTable(
                name: "customer_groups",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    chatid = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    owner = table.Column<string>(type: "text", nullable: true),
                    notice = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    dismissedatticks = table.Column<long>(type: "bigint", nullable: true),
                    members = table.Column<int>(type: "integer", nullable: false),
                    externalmembers = table.Column<int>(type: "integer", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_groups", x => new { x.tenantid, x.chatid });
                });

            migrationBuilder.CreateTable(
                name: "customer_transfers",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    handoveruserid = table.Column<string>(type: "text", nullable: false),
                    takeoveruserid = table.Column<string>(type: "text", nullable: false),
                    externaluserid = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    errcode = table.Column<int>(type: "integer", nullable: false),
                    requestedby = table.Column<string>(type: "text", nullable: true),
                    requestedatticks = table.Column<long>(type: "bigint", nullable: false),
                    finishedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_transfers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "customers",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    id = table.Column<long>(type: "bigint", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    mergedinto = table.Column<long>(type: "bigint", nullable: true),
                    erasedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customers", x => new { x.tenantid, x.id });
                });

            migrationBuilder.CreateTable(
                name: "data_subject_requests",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    via = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    note = table.Column<string>(type: "text", nullable: true),
                    changes = table.Column<string>(type: "text", nullable: true),
                    receivedatticks = table.Column<long>(type: "bigint", nullable: false),
                    dueatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: false),
                    completedatticks = table.Column<long>(type: "bigint", nullable: true),
                    handledby = table.Column<string>(type: "text", nullable: true),
                    result = table.Column<string>(type: "text", nullable: true),
                    resultfile = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_subject_requests", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "delivery_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    json = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_delivery_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "departments",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    parentid = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_departments", x => new { x.tenantid, x.id });
                });

            migrationBuilder.CreateTable(
                name: "events",
                columns: table => new
                {
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    idempotencykey = table.Column<string>(type: "text", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    originalcustomerid = table.Column<long>(type: "bigint", nullable: false),
                    partition = table.Column<int>(type: "integer", nullable: false),
                    type = table.Column<string>(type: "text", nullable: false),
                    timestampticks = table.Column<long>(type: "bigint", nullable: false),
                    receivedatticks = table.Column<long>(type: "bigint", nullable: false),
                    properties = table.Column<string>(type: "text", nullable: true),
                    attributes = table.Column<string>(type: "text", nullable: true),
                    source = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_events", x => x.seq);
                });

            migrationBuilder.CreateTable(
                name: "group_code_chats",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    groupcodeid = table.Column<long>(type: "bigint", nullable: false),
                    tierid = table.Column<long>(type: "bigint", nullable: false),
                    chatid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    autocreated = table.Column<bool>(type: "boolean", nullable: false),
                    addedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_code_chats", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "group_code_tiers",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    groupcodeid = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    rank = table.Column<int>(type: "integer", nullable: false),
                    condition = table.Column<string>(type: "text", nullable: true),
                    configid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    qrcode = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    state = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    listed = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    roombaseid = table.Column<int>(type: "integer", nullable: false),
                    rotatedatticks = table.Column<long>(type: "bigint", nullable: true),
                    syncerror = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_code_tiers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "group_codes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    roombasename = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    autocreateroom = table.Column<bool>(type: "boolean", nullable: false),
                    welcometext = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    welcometemplateid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_codes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "group_daily_stats",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    chatid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    joins = table.Column<int>(type: "integer", nullable: false),
                    leaves = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_daily_stats", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "group_sops",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    groupcodeid = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    text = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    time = table.Column<string>(type: "character varying(5)", maxLength: 5, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_sops", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "handoffs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    staffuserid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    topics = table.Column<string>(type: "text", nullable: false),
                    triggerseq = table.Column<long>(type: "bigint", nullable: false),
                    triggermsgid = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    triggertext = table.Column<string>(type: "text", nullable: true),
                    hits = table.Column<int>(type: "integer", nullable: false),
                    lasthitseq = table.Column<long>(type: "bigint", nullable: false),
                    lasthitatticks = table.Column<long>(type: "bigint", nullable: false),
                    notifiedto = table.Column<string>(type: "text", nullable: true),
                    openedatticks = table.Column<long>(type: "bigint", nullable: false),
                    claimedatticks = table.Column<long>(type: "bigint", nullable: true),
                    claimedby = table.Column<string>(type: "text", nullable: true),
                    resolvedatticks = table.Column<long>(type: "bigint", nullable: true),
                    resolvedby = table.Column<string>(type: "text", nullable: true),
                    note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_handoffs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "identifiers",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    type = table.Column<int>(type: "integer", nullable: false),
                    value = table.Column<string>(type: "text", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    attachedatticks = table.Column<long>(type: "bigint", nullable: false),
                    encrypted = table.Column<string>(type: "text", nullable: true),
                    suffixhash = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_identifiers", x => new { x.tenantid, x.type, x.value });
                });

            migrationBuilder.CreateTable(
                name: "intent_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    json = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_intent_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "journey_versions",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    journeyid = table.Column<long>(type: "bigint", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    definition = table.Column<string>(type: "text", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_journey_versions", x => new { x.tenantid, x.journeyid, x.version });
                });

            migrationBuilder.CreateTable(
                name: "journeys",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    currentversion = table.Column<int>(type: "integer", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_journeys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "lotteries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    startsatticks = table.Column<long>(type: "bigint", nullable: true),
                    endsatticks = table.Column<long>(type: "bigint", nullable: true),
                    audienceid = table.Column<long>(type: "bigint", nullable: true),
                    drawsperday = table.Column<int>(type: "integer", nullable: false),
                    drawstotal = table.Column<int>(type: "integer", nullable: false),
                    pointscost = table.Column<long>(type: "bigint", nullable: false),
                    seed = table.Column<byte[]>(type: "bytea", nullable: false),
                    commitment = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    draws = table.Column<int>(type: "integer", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: false),
                    endedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lotteries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "lottery_draws",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    lotteryid = table.Column<long>(type: "bigint", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    drawnumber = table.Column<int>(type: "integer", nullable: false),
                    daykey = table.Column<int>(type: "integer", nullable: false),
                    ticket = table.Column<int>(type: "integer", nullable: false),
                    prizeid = table.Column<long>(type: "bigint", nullable: true),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    rewardstatus = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    rewardref = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    pointspaid = table.Column<long>(type: "bigint", nullable: false),
                    idempotencykey = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    atticks = table.Column<long>(type: "bigint", nullable: false),
                    actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lottery_draws", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "lottery_prizes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    lotteryid = table.Column<long>(type: "bigint", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    chance = table.Column<int>(type: "integer", nullable: false),
                    stock = table.Column<int>(type: "integer", nullable: false),
                    remaining = table.Column<int>(type: "integer", nullable: false),
                    coupontemplateid = table.Column<long>(type: "bigint", nullable: true),
                    points = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lottery_prizes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "loyalty_cursor",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_loyalty_cursor", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "loyalty_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    json = table.Column<string>(type: "text", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_loyalty_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "mass_send_recipients",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    masssendid = table.Column<long>(type: "bigint", nullable: false),
                    target = table.Column<string>(type: "text", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    sender = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: true),
                    sentatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mass_send_recipients", x => new { x.tenantid, x.masssendid, x.target });
                });

            migrationBuilder.CreateTable(
                name: "mass_send_tasks",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    masssendid = table.Column<long>(type: "bigint", nullable: false),
                    sender = table.Column<string>(type: "text", nullable: false),
                    msgid = table.Column<string>(type: "text", nullable: true),
                    targets = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    sentatticks = table.Column<long>(type: "bigint", nullable: true),
                    delivered = table.Column<int>(type: "integer", nullable: false),
                    notfriend = table.Column<int>(type: "integer", nullable: false),
                    limitreached = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mass_send_tasks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "mass_sends",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    chattype = table.Column<string>(type: "text", nullable: false),
                    audienceid = table.Column<long>(type: "bigint", nullable: true),
                    condition = table.Column<string>(type: "text", nullable: true),
                    stafffilter = table.Column<string>(type: "text", nullable: false),
                    chatids = table.Column<string>(type: "text", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    attachments = table.Column<string>(type: "text", nullable: true),
                    topic = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    scheduledatticks = table.Column<long>(type: "bigint", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "text", nullable: false),
                    startedatticks = table.Column<long>(type: "bigint", nullable: true),
                    finishedatticks = table.Column<long>(type: "bigint", nullable: true),
                    targeted = table.Column<int>(type: "integer", nullable: false),
                    excluded = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mass_sends", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "merge_conflicts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    customera = table.Column<long>(type: "bigint", nullable: false),
                    customerb = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    identifier = table.Column<string>(type: "text", nullable: true),
                    atticks = table.Column<long>(type: "bigint", nullable: false),
                    resolvedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_merge_conflicts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "merges",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    id = table.Column<long>(type: "bigint", nullable: false),
                    survivorid = table.Column<long>(type: "bigint", nullable: false),
                    mergedid = table.Column<long>(type: "bigint", nullable: false),
                    movedidentifiers = table.Column<string>(type: "text", nullable: false),
                    manual = table.Column<bool>(type: "boolean", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    actor = table.Column<string>(type: "text", nullable: true),
                    atticks = table.Column<long>(type: "bigint", nullable: false),
                    undoneatticks = table.Column<long>(type: "bigint", nullable: true),
                    undoneby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_merges", x => new { x.tenantid, x.id });
                });

            migrationBuilder.CreateTable(
                name: "outbound_messages",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    key = table.Column<string>(type: "text", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    channel = table.Column<string>(type: "text", nullable: false),
                    topic = table.Column<string>(type: "text", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    attachments = table.Column<string>(type: "text", nullable: true),
                    sender = table.Column<string>(type: "text", nullable: true),
                    origin = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    dueatticks = table.Column<long>(type: "bigint", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    decision = table.Column<string>(type: "text", nullable: true),
                    via = table.Column<string>(type: "text", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    approvedby = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    sentatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbound_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "partition_snapshots",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    partition = table.Column<int>(type: "integer", nullable: false),
                    lastseq = table.Column<long>(type: "bigint", nullable: false),
                    takenatticks = table.Column<long>(type: "bigint", nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_partition_snapshots", x => new { x.tenantid, x.partition });
                });

            migrationBuilder.CreateTable(
                name: "pii_backfill",
                columns: table => new
                {
                    name = table.Column<string>(type: "text", nullable: false),
                    position = table.Column<long>(type: "bigint", nullable: false),
                    target = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pii_backfill", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "points_accounts",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    balance = table.Column<long>(type: "bigint", nullable: false),
                    tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    belowsinceticks = table.Column<long>(type: "bigint", nullable: true),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_points_accounts", x => new { x.tenantid, x.customerid });
                });

            migrationBuilder.CreateTable(
                name: "points_ledger",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    balanceafter = table.Column<long>(type: "bigint", nullable: false),
                    shortfall = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    sourceref = table.Column<string>(type: "character varying(160)", maxLength: 160, nullable: true),
                    idempotencykey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    amountcents = table.Column<long>(type: "bigint", nullable: true),
                    atticks = table.Column<long>(type: "bigint", nullable: false),
                    actor = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_points_ledger", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "points_lots",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    entryid = table.Column<long>(type: "bigint", nullable: false),
                    sourceref = table.Column<string>(type: "character varying(160)", maxLength: 160, nullable: true),
                    earnedatticks = table.Column<long>(type: "bigint", nullable: false),
                    expiresatticks = table.Column<long>(type: "bigint", nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    remaining = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_points_lots", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "quality_cursors",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    lastmessageid = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quality_cursors", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "quality_results",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    staffuserid = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    externaluserid = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: true),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    score = table.Column<int>(type: "integer", nullable: false),
                    customermessages = table.Column<int>(type: "integer", nullable: false),
                    staffmessages = table.Column<int>(type: "integer", nullable: false),
                    timeouts = table.Column<int>(type: "integer", nullable: false),
                    forbiddenhits = table.Column<int>(type: "integer", nullable: false),
                    requiredapplicable = table.Column<bool>(type: "boolean", nullable: false),
                    requiredhit = table.Column<bool>(type: "boolean", nullable: false),
                    negativemessages = table.Column<int>(type: "integer", nullable: false),
                    negativelate = table.Column<int>(type: "integer", nullable: false),
                    pendingduems = table.Column<long>(type: "bigint", nullable: true),
                    unanswered = table.Column<bool>(type: "boolean", nullable: false),
                    findings = table.Column<string>(type: "text", nullable: false),
                    inspectedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quality_results", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "quality_rules",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    json = table.Column<string>(type: "text", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quality_rules", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "referral_campaigns",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    startsatticks = table.Column<long>(type: "bigint", nullable: true),
                    endsatticks = table.Column<long>(type: "bigint", nullable: true),
                    channelcodeid = table.Column<long>(type: "bigint", nullable: false),
                    rules = table.Column<string>(type: "text", nullable: false),
                    postertitle = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    postercolor = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    createdby = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    endedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_campaigns", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "referral_invites",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    campaignid = table.Column<long>(type: "bigint", nullable: false),
                    participantid = table.Column<long>(type: "bigint", nullable: false),
                    inviterid = table.Column<long>(type: "bigint", nullable: false),
                    inviteeid = table.Column<long>(type: "bigint", nullable: false),
                    staffuserid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    eventkey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    addedatticks = table.Column<long>(type: "bigint", nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true),
                    revokedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_invites", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "referral_participants",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    campaignid = table.Column<long>(type: "bigint", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    code = table.Column<string>(type: "character varying(27)", maxLength: 27, nullable: false),
                    configid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    qrcode = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    nickname = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    qrimage = table.Column<byte[]>(type: "bytea", nullable: true),
                    rapiddeletes = table.Column<int>(type: "integer", nullable: false),
                    blocked = table.Column<bool>(type: "boolean", nullable: false),
                    joinedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_participants", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "referral_rewards",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    campaignid = table.Column<long>(type: "bigint", nullable: false),
                    participantid = table.Column<long>(type: "bigint", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    tier = table.Column<int>(type: "integer", nullable: false),
                    invites = table.Column<int>(type: "integer", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    @ref = table.Column<string>(name: "ref", type: "character varying(200)", maxLength: 200, nullable: true),
                    atticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_rewards", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "review_pack_switches",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    packid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_review_pack_switches", x => new { x.tenantid, x.packid });
                });

            migrationBuilder.CreateTable(
                name: "review_packs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    rules = table.Column<string>(type: "text", nullable: false),
                    allow = table.Column<string>(type: "text", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_review_packs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "rfm_runs",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cuts = table.Column<string>(type: "text", nullable: false),
                    scored = table.Column<int>(type: "integer", nullable: false),
                    asofday = table.Column<int>(type: "integer", nullable: false),
                    computedatticks = table.Column<long>(type: "bigint", nullable: false),
                    cycles = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rfm_runs", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "script_folders",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    parentid = table.Column<long>(type: "bigint", nullable: true),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_script_folders", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "script_uses",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    scriptid = table.Column<long>(type: "bigint", nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    actor = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    count = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_script_uses", x => new { x.tenantid, x.scriptid, x.day, x.actor });
                });

            migrationBuilder.CreateTable(
                name: "scripts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    folderid = table.Column<long>(type: "bigint", nullable: true),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    title = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    text = table.Column<string>(type: "text", nullable: true),
                    url = table.Column<string>(type: "text", nullable: true),
                    description = table.Column<string>(type: "text", nullable: true),
                    filename = table.Column<string>(type: "text", nullable: true),
                    appid = table.Column<string>(type: "text", nullable: true),
                    page = table.Column<string>(type: "text", nullable: true),
                    tagids = table.Column<string>(type: "text", nullable: false),
                    intents = table.Column<string>(type: "text", nullable: false),
                    uses = table.Column<int>(type: "integer", nullable: false),
                    lastusedatticks = table.Column<long>(type: "bigint", nullable: true),
                    createdby = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scripts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sensitive_topic_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    lists = table.Column<string>(type: "text", nullable: false),
                    custom = table.Column<string>(type: "text", nullable: false),
                    excluded = table.Column<string>(type: "text", nullable: false),
                    supervisors = table.Column<string>(type: "text", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedby = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sensitive_topic_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "staff",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    userid = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    mobile = table.Column<string>(type: "text", nullable: true),
                    position = table.Column<string>(type: "text", nullable: true),
                    departments = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_staff", x => new { x.tenantid, x.userid });
                });

            migrationBuilder.CreateTable(
                name: "stores",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    city = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    address = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    latitude = table.Column<double>(type: "double precision", nullable: false),
                    longitude = table.Column<double>(type: "double precision", nullable: false),
                    serviceradiuskm = table.Column<double>(type: "double precision", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    opensatminute = table.Column<int>(type: "integer", nullable: true),
                    closesatminute = table.Column<int>(type: "integer", nullable: true),
                    staffuserids = table.Column<string>(type: "text", nullable: false),
                    channelcodeid = table.Column<long>(type: "bigint", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stores", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tag_groups",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    sortorder = table.Column<int>(type: "integer", nullable: false),
                    wecomgroupid = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tag_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tags",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    groupid = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    color = table.Column<string>(type: "text", nullable: true),
                    description = table.Column<string>(type: "text", nullable: true),
                    wecomtagid = table.Column<string>(type: "text", nullable: true),
                    rule = table.Column<string>(type: "text", nullable: true),
                    keywords = table.Column<string>(type: "text", nullable: true),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false),
                    deletedatticks = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tags", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tenants",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    slug = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    partitions = table.Column<int>(type: "integer", nullable: false),
                    timezone = table.Column<string>(type: "text", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tenants", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tracked_links",
                columns: table => new
                {
                    code = table.Column<string>(type: "text", nullable: false),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    messageid = table.Column<string>(type: "text", nullable: false),
                    customerid = table.Column<long>(type: "bigint", nullable: false),
                    linkindex = table.Column<int>(type: "integer", nullable: false),
                    url = table.Column<string>(type: "text", nullable: false),
                    createdatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tracked_links", x => x.code);
                });

            migrationBuilder.CreateTable(
                name: "wecom_inbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    dedupkey = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    xml = table.Column<string>(type: "text", nullable: false),
                    receivedatticks = table.Column<long>(type: "bigint", nullable: false),
                    processedatticks = table.Column<long>(type: "bigint", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    lasterror = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wecom_inbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "wecom_settings",
                columns: table => new
                {
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    corpid = table.Column<string>(type: "text", nullable: false),
                    agentid = table.Column<long>(type: "bigint", nullable: true),
                    protectedsecret = table.Column<string>(type: "text", nullable: true),
                    token = table.Column<string>(type: "text", nullable: false),
                    protectedaeskey = table.Column<string>(type: "text", nullable: true),
                    apibaseaddress = table.Column<string>(type: "text", nullable: true),
                    updatedatticks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wecom_settings", x => x.tenantid);
                });

            migrationBuilder.CreateTable(
                name: "wecom_sync_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tenantid = table.Column<int>(type: "integer", nullable: false),
                    startedatticks = table.Column<long>(type: "bigint", nullable: false),
                    finishedatticks = table.Column<long>(type: "bigint", nullable: true),
                    staff = table.Column<int>(type: "integer", nullable: false),
                    customers = table.Column<int>(type: "integer", nullable: false),
                    tags = table.Column<int>(type: "integer", nullable: false),
                    groups = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wecom_sync_runs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_tenantid_key",
                table: "alerts",
                columns: new[] { "tenantid", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_alerts_tenantid_status_id",
                table: "alerts",
                columns: new[] { "tenantid", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_api_keys_secrethash",
                table: "api_keys",
                column: "secrethash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_tenantid_customerid_msgtimems",
                table: "archive_messages",
                columns: new[] { "tenantid", "customerid", "msgtimems" });

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_tenantid_msgid",
                table: "archive_messages",
                columns: new[] { "tenantid", "msgid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_tenantid_msgtimems",
                table: "archive_messages",
                columns: new[] { "tenantid", "msgtimems" });

            migrationBuilder.CreateIndex(
                name: "IX_archive_messages_tenantid_revokesmsgid",
                table: "archive_messages",
                columns: new[] { "tenantid", "revokesmsgid" });

            migrationBuilder.CreateIndex(
                name: "IX_archive_terms_messageid",
                table: "archive_terms",
                column: "messageid");

            migrationBuilder.CreateIndex(
                name: "IX_audiences_tenantid_name",
                table: "audiences",
                columns: new[] { "tenantid", "name" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_tenantid_action",
                table: "audit_log",
                columns: new[] { "tenantid", "action" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_tenantid_atticks",
                table: "audit_log",
                columns: new[] { "tenantid", "atticks" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_tenantid_seq",
                table: "audit_log",
                columns: new[] { "tenantid", "seq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_channel_codes_tenantid_state",
                table: "channel_codes",
                columns: new[] { "tenantid", "state" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkin_campaigns_tenantid_id",
                table: "checkin_campaigns",
                columns: new[] { "tenantid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_checkin_rewards_tenantid_campaignid_customerid_rewardindex_~",
                table: "checkin_rewards",
                columns: new[] { "tenantid", "campaignid", "customerid", "rewardindex", "streakstart", "milestone" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkins_tenantid_campaignid_customerid_day",
                table: "checkins",
                columns: new[] { "tenantid", "campaignid", "customerid", "day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkins_tenantid_campaignid_day",
                table: "checkins",
                columns: new[] { "tenantid", "campaignid", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_console_users_tenantid_username",
                table: "console_users",
                columns: new[] { "tenantid", "username" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_coupon_templates_tenantid_id",
                table: "coupon_templates",
                columns: new[] { "tenantid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_coupons_status_validuntilticks",
                table: "coupons",
                columns: new[] { "status", "validuntilticks" });

            migrationBuilder.CreateIndex(
                name: "IX_coupons_tenantid_code",
                table: "coupons",
                columns: new[] { "tenantid", "code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_coupons_tenantid_customerid",
                table: "coupons",
                columns: new[] { "tenantid", "customerid" });

            migrationBuilder.CreateIndex(
                name: "IX_coupons_tenantid_issuekey",
                table: "coupons",
                columns: new[] { "tenantid", "issuekey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_coupons_tenantid_templateid_customerid",
                table: "coupons",
                columns: new[] { "tenantid", "templateid", "customerid" });

            migrationBuilder.CreateIndex(
                name: "IX_customer_group_members_tenantid_memberid",
                table: "customer_group_members",
                columns: new[] { "tenantid", "memberid" });

            migrationBuilder.CreateIndex(
                name: "IX_customer_transfers_tenantid_externaluserid",
                table: "customer_transfers",
                columns: new[] { "tenantid", "externaluserid" });

            migrationBuilder.CreateIndex(
                name: "IX_customer_transfers_tenantid_status",
                table: "customer_transfers",
                columns: new[] { "tenantid", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_data_subject_requests_tenantid_customerid",
                table: "data_subject_requests",
                columns: new[] { "tenantid", "customerid" });

            migrationBuilder.CreateIndex(
                name: "IX_data_subject_requests_tenantid_status_dueatticks",
                table: "data_subject_requests",
                columns: new[] { "tenantid", "status", "dueatticks" });

            migrationBuilder.CreateIndex(
                name: "IX_events_tenantid_customerid_seq",
                table: "events",
                columns: new[] { "tenantid", "customerid", "seq" });

            migrationBuilder.CreateIndex(
                name: "IX_events_tenantid_idempotencykey",
                table: "events",
                columns: new[] { "tenantid", "idempotencykey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_events_tenantid_partition_seq",
                table: "events",
                columns: new[] { "tenantid", "partition", "seq" });

            migrationBuilder.CreateIndex(
                name: "IX_group_code_chats_tenantid_chatid",
                table: "group_code_chats",
                columns: new[] { "tenantid", "chatid" });

            migrationBuilder.CreateIndex(
                name: "IX_group_code_chats_tenantid_tierid_chatid",
                table: "group_code_chats",
                columns: new[] { "tenantid", "tierid", "chatid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_group_code_tiers_tenantid_groupcodeid_rank",
                table: "group_code_tiers",
                columns: new[] { "tenantid", "groupcodeid", "rank" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_group_codes_tenantid_id",
                table: "group_codes",
                columns: new[] { "tenantid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_group_daily_stats_tenantid_chatid_day",
                table: "group_daily_stats",
                columns: new[] { "tenantid", "chatid", "day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_group_sops_tenantid_groupcodeid",
                table: "group_sops",
                columns: new[] { "tenantid", "groupcodeid" });

            migrationBuilder.CreateIndex(
                name: "IX_handoffs_tenantid_customerid_triggerseq",
                table: "handoffs",
                columns: new[] { "tenantid", "customerid", "triggerseq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_handoffs_tenantid_status_id",
                table: "handoffs",
                columns: new[] { "tenantid", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_identifiers_tenantid_customerid",
                table: "identifiers",
                columns: new[] { "tenantid", "customerid" });

            migrationBuilder.CreateIndex(
                name: "IX_identifiers_tenantid_suffixhash",
                table: "identifiers",
                columns: new[] { "tenantid", "suffixhash" });

            migrationBuilder.CreateIndex(
                name: "IX_journeys_tenantid_status",
                table: "journeys",
                columns: new[] { "tenantid", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_lotteries_tenantid_id",
                table: "lotteries",
                columns: new[] { "tenantid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_lottery_draws_tenantid_lotteryid_customerid_drawnumber",
                table: "lottery_draws",
                columns: new[] { "tenantid", "lotteryid", "customerid", "drawnumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_lottery_draws_tenantid_lotteryid_id",
                table: "lottery_draws",
                columns: new[] { "tenantid", "lotteryid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_lottery_draws_tenantid_lotteryid_idempotencykey",
                table: "lottery_draws",
                columns: new[] { "tenantid", "lotteryid", "idempotencykey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_lottery_prizes_tenantid_lotteryid_position",
                table: "lottery_prizes",
                columns: new[] { "tenantid", "lotteryid", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_mass_send_recipients_tenantid_customerid",
                table: "mass_send_recipients",
                columns: new[] { "tenantid", "customerid" });

            migrationBuilder.CreateIndex(
                name: "IX_mass_send_tasks_tenantid_masssendid",
                table: "mass_send_tasks",
                columns: new[] { "tenantid", "masssendid" });

            migrationBuilder.CreateIndex(
                name: "IX_mass_sends_tenantid_status",
                table: "mass_sends",
                columns: new[] { "tenantid", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_merge_conflicts_tenantid_customera_customerb",
                table: "merge_conflicts",
                columns: new[] { "tenantid", "customera", "customerb" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbound_messages_status_dueatticks",
                table: "outbound_messages",
                columns: new[] { "status", "dueatticks" });

            migrationBuilder.CreateIndex(
                name: "IX_outbound_messages_tenantid_customerid_sentatticks",
                table: "outbound_messages",
                columns: new[] { "tenantid", "customerid", "sentatticks" });

            migrationBuilder.CreateIndex(
                name: "IX_outbound_messages_tenantid_key",
                table: "outbound_messages",
                columns: new[] { "tenantid", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_points_accounts_tenantid_tier",
                table: "points_accounts",
                columns: new[] { "tenantid", "tier" });

            migrationBuilder.CreateIndex(
                name: "IX_points_ledger_tenantid_customerid_id",
                table: "points_ledger",
                columns: new[] { "tenantid", "customerid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_points_ledger_tenantid_customerid_sourceref",
                table: "points_ledger",
                columns: new[] { "tenantid", "customerid", "sourceref" });

            migrationBuilder.CreateIndex(
                name: "IX_points_ledger_tenantid_idempotencykey",
                table: "points_ledger",
                columns: new[] { "tenantid", "idempotencykey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_points_lots_expiresatticks_remaining",
                table: "points_lots",
                columns: new[] { "expiresatticks", "remaining" });

            migrationBuilder.CreateIndex(
                name: "IX_points_lots_tenantid_customerid_expiresatticks",
                table: "points_lots",
                columns: new[] { "tenantid", "customerid", "expiresatticks" });

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_tenantid_day",
                table: "quality_results",
                columns: new[] { "tenantid", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_tenantid_pendingduems",
                table: "quality_results",
                columns: new[] { "tenantid", "pendingduems" });

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_tenantid_staffuserid_externaluserid_day",
                table: "quality_results",
                columns: new[] { "tenantid", "staffuserid", "externaluserid", "day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_tenantid_unanswered",
                table: "quality_results",
                columns: new[] { "tenantid", "unanswered" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_campaigns_tenantid_id",
                table: "referral_campaigns",
                columns: new[] { "tenantid", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_invites_tenantid_campaignid_participantid_day",
                table: "referral_invites",
                columns: new[] { "tenantid", "campaignid", "participantid", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_invites_tenantid_eventkey",
                table: "referral_invites",
                columns: new[] { "tenantid", "eventkey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referral_invites_tenantid_inviteeid",
                table: "referral_invites",
                columns: new[] { "tenantid", "inviteeid" });

            migrationBuilder.CreateIndex(
                name: "IX_referral_participants_code",
                table: "referral_participants",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referral_participants_tenantid_campaignid_customerid",
                table: "referral_participants",
                columns: new[] { "tenantid", "campaignid", "customerid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referral_rewards_tenantid_campaignid_participantid_tier",
                table: "referral_rewards",
                columns: new[] { "tenantid", "campaignid", "participantid", "tier" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_review_packs_tenantid_name",
                table: "review_packs",
                columns: new[] { "tenantid", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_script_folders_tenantid_parentid",
                table: "script_folders",
                columns: new[] { "tenantid", "parentid" });

            migrationBuilder.CreateIndex(
                name: "IX_scripts_tenantid_folderid",
                table: "scripts",
                columns: new[] { "tenantid", "folderid" });

            migrationBuilder.CreateIndex(
                name: "IX_stores_tenantid_code",
                table: "stores",
                columns: new[] { "tenantid", "code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_tag_groups_tenantid_name",
                table: "tag_groups",
                columns: new[] { "tenantid", "name" });

            migrationBuilder.CreateIndex(
                name: "IX_tags_tenantid_groupid_name",
                table: "tags",
                columns: new[] { "tenantid", "groupid", "name" });

            migrationBuilder.CreateIndex(
                name: "IX_tags_tenantid_wecomtagid",
                table: "tags",
                columns: new[] { "tenantid", "wecomtagid" });

            migrationBuilder.CreateIndex(
                name: "IX_tenants_slug",
                table: "tenants",
                column: "slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_tracked_links_tenantid_messageid",
                table: "tracked_links",
                columns: new[] { "tenantid", "messageid" });

            migrationBuilder.CreateIndex(
                name: "IX_wecom_inbox_processedatticks_id",
                table: "wecom_inbox",
                columns: new[] { "processedatticks", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_wecom_inbox_tenantid_dedupkey",
                table: "wecom_inbox",
                columns: new[] { "tenantid", "dedupkey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_wecom_sync_runs_tenantid_startedatticks",
                table: "wecom_sync_runs",
                columns: new[] { "tenantid", "startedatticks" });

            // Same guarantee as the SQLite AuditChain migration: the audit log is append-only in the database too.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' OR OLD.hash <> '' THEN
                        RAISE EXCEPTION 'audit_log is append-only';
                    END IF;
                    RETURN NEW;
                END $$;
                """);
            migrationBuilder.Sql("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log; DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log; DROP FUNCTION IF EXISTS audit_log_append_only();");
            migrationBuilder.DropTable(
                name: "alert_settings");

            migrationBuilder.DropTable(
                name: "alerts");

            migrationBuilder.DropTable(
                name: "analytics_settings");

            migrationBuilder.DropTable(
                name: "api_keys");

            migrationBuilder.DropTable(
                name: "archive_keys");

            migrationBuilder.DropTable(
                name: "archive_messages");

            migrationBuilder.DropTable(
                name: "archive_settings");

            migrationBuilder.DropTable(
                name: "archive_terms");

            migrationBuilder.DropTable(
                name: "audiences");

            migrationBuilder.DropTable(
                name: "audit_log");

            migrationBuilder.DropTable(
                name: "channel_code_stats");

            migrationBuilder.DropTable(
                name: "channel_codes");

            migrationBuilder.DropTable(
                name: "checkin_campaigns");

            migrationBuilder.DropTable(
                name: "checkin_rewards");

            migrationBuilder.DropTable(
                name: "checkins");

            migrationBuilder.DropTable(
                name: "console_users");

            migrationBuilder.DropTable(
                name: "coupon_templates");

            migrationBuilder.DropTable(
                name: "coupons");

            migrationBuilder.DropTable(
                name: "customer_group_members");

            migrationBuilder.DropTable(
                name: "customer_groups");

            migrationBuilder.DropTable(
                name: "customer_transfers");

            migrationBuilder.DropTable(
                name: "customers");

            migrationBuilder.DropTable(
                name: "data_subject_requests");

            migrationBuilder.DropTable(
                name: "delivery_settings");

            migrationBuilder.DropTable(
                name: "departments");

            migrationBuilder.DropTable(
                name: "events");

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

            migrationBuilder.DropTable(
                name: "handoffs");

            migrationBuilder.DropTable(
                name: "identifiers");

            migrationBuilder.DropTable(
                name: "intent_settings");

            migrationBuilder.DropTable(
                name: "journey_versions");

            migrationBuilder.DropTable(
                name: "journeys");

            migrationBuilder.DropTable(
                name: "lotteries");

            migrationBuilder.DropTable(
                name: "lottery_draws");

            migrationBuilder.DropTable(
                name: "lottery_prizes");

            migrationBuilder.DropTable(
                name: "loyalty_cursor");

            migrationBuilder.DropTable(
                name: "loyalty_settings");

            migrationBuilder.DropTable(
                name: "mass_send_recipients");

            migrationBuilder.DropTable(
                name: "mass_send_tasks");

            migrationBuilder.DropTable(
                name: "mass_sends");

            migrationBuilder.DropTable(
                name: "merge_conflicts");

            migrationBuilder.DropTable(
                name: "merges");

            migrationBuilder.DropTable(
                name: "outbound_messages");

            migrationBuilder.DropTable(
                name: "partition_snapshots");

            migrationBuilder.DropTable(
                name: "pii_backfill");

            migrationBuilder.DropTable(
                name: "points_accounts");

            migrationBuilder.DropTable(
                name: "points_ledger");

            migrationBuilder.DropTable(
                name: "points_lots");

            migrationBuilder.DropTable(
                name: "quality_cursors");

            migrationBuilder.DropTable(
                name: "quality_results");

            migrationBuilder.DropTable(
                name: "quality_rules");

            migrationBuilder.DropTable(
                name: "referral_campaigns");

            migrationBuilder.DropTable(
                name: "referral_invites");

            migrationBuilder.DropTable(
                name: "referral_participants");

            migrationBuilder.DropTable(
                name: "referral_rewards");

            migrationBuilder.DropTable(
                name: "review_pack_switches");

            migrationBuilder.DropTable(
                name: "review_packs");

            migrationBuilder.DropTable(
                name: "rfm_runs");

            migrationBuilder.DropTable(
                name: "script_folders");

            migrationBuilder.DropTable(
                name: "script_uses");

            migrationBuilder.DropTable(
                name: "scripts");

            migrationBuilder.DropTable(
                name: "sensitive_topic_settings");

            migrationBuilder.DropTable(
                name: "staff");

            migrationBuilder.DropTable(
                name: "stores");

            migrationBuilder.DropTable(
                name: "tag_groups");

            migrationBuilder.DropTable(
                name: "tags");

            migrationBuilder.DropTable(
                name: "tenants");

            migrationBuilder.DropTable(
                name: "tracked_links");

            migrationBuilder.DropTable(
                name: "wecom_inbox");

            migrationBuilder.DropTable(
                name: "wecom_settings");

            migrationBuilder.DropTable(
                name: "wecom_sync_runs");
        }
    }
}
