<?php
/*
 * SimpleSAMLphp 1.19 configuration of the end-to-end test IdP, rendered by `idp_start` (scripts/lib.sh)
 * into WORKDIR/config/config.php: each @NAME@ becomes a PHP literal (var_export). Not usable as is.
 */

/*
 * SP metadata, read from the app on every request (php -S runs each request in a fresh process) with
 * a short timeout. A source of type 'xml' with a 'url' would abort every IdP page, metadata.php
 * included, while the app is not up yet; an SP whose metadata cannot be fetched is skipped instead.
 */
$gwmSpMetadataSources = [];
foreach (@SP_METADATA_URLS@ as $gwmUrl) {
    $gwmXml = @file_get_contents($gwmUrl, false, stream_context_create(['http' => ['timeout' => 3]]));
    if (is_string($gwmXml) && $gwmXml !== '') {
        $gwmSpMetadataSources[] = ['type' => 'xml', 'xml' => $gwmXml];
    }
}

$config = [
    'baseurlpath' => @BASEURL@,
    'certdir' => @WORKDIR@ . '/cert/',
    'loggingdir' => @WORKDIR@ . '/log/',
    'datadir' => @WORKDIR@ . '/data/',
    'tempdir' => @WORKDIR@ . '/tmp',
    'metadatadir' => @WORKDIR@ . '/config/metadata/',

    'technicalcontact_name' => 'GWM CRM tests',
    'technicalcontact_email' => 'na@example.org',
    'timezone' => 'UTC',

    'secretsalt' => @SECRETSALT@,
    'auth.adminpassword' => @ADMINPASSWORD@,
    'admin.protectindexpage' => true,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    'trusted.url.domains' => ['127.0.0.1', 'localhost'],

    'debug' => ['saml' => false, 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
    'errorreporting' => false,
    'production' => true,

    'logging.level' => SimpleSAML\Logger::NOTICE,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'statistics.out' => [],

    'enable.saml20-idp' => true,
    'enable.shib13-idp' => false,
    'enable.adfs-idp' => false,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],

    'store.type' => 'phpsession',
    'session.phpsession.savepath' => @WORKDIR@ . '/sessions',
    'session.phpsession.cookiename' => 'GwmTestIdP',
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
    'language.cookie.samesite' => null,

    'metadata.sources' => array_merge(
        [['type' => 'flatfile', 'directory' => @WORKDIR@ . '/config/metadata']],
        $gwmSpMetadataSources
    ),
];
