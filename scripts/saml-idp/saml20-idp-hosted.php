<?php
/*
 * The hosted IdP (rendered by `idp_start` into WORKDIR/config/metadata/). Its entity ID is
 * http://127.0.0.1:PORT/saml2/idp/metadata.php; idp.key/idp.crt are made by openssl in WORKDIR/cert.
 */
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'gwm-test-users',

    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'saml20.sign.assertion' => true,
    'saml20.sign.response' => true,

    // Used when neither the AuthnRequest nor the SP metadata names a format.
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
    'authproc' => [
        10 => [
            'class' => 'saml:AttributeNameID',
            'attribute' => 'email',
            'Format' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        ],
        11 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid'],
    ],
];
