<?php
/* Test users of the end-to-end IdP (rendered by `idp_start` into WORKDIR/config/authsources.php). */
$config = [
    'admin' => ['core:AdminPassword'],

    'gwm-test-users' => [
        'exampleauth:UserPass',
        'sso.analyst:Sso-Analyst-2026!' => [
            'uid' => ['sso.analyst'],
            'email' => ['sso.analyst@example.gov'],
            'givenName' => ['Avery'],
            'sn' => ['Analyst'],
            'groups' => ['capture-team'],
        ],
        'sso.admin:Sso-Admin-2026!' => [
            'uid' => ['sso.admin'],
            'email' => ['sso.admin@example.gov'],
            'givenName' => ['Morgan'],
            'sn' => ['Admin'],
            'groups' => ['gwm-admins'],
        ],
    ],
];
